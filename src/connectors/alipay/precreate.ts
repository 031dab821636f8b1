/**
 * alipay.trade.precreate: creates the QR code the buyer scans. The trade itself does not
 * exist at Alipay until the scan.
 */
import type { ConnectorFailure, CreateInput, CreateResult, WireRequest, WireResponse } from '../types.js';
import { amountProblem, yuan } from './amount.js';
import { gatewayRequest, type AlipayContext, type AlipayPort } from './request.js';
import { badResponse, failureOf, stringField, SUCCESS_CODE, readTradeReply } from './response.js';
import { chinaDateTime } from './time.js';
import { timeProblem } from '../common/failure.js';

export const PRECREATE = 'alipay.trade.precreate';

/** Reasons a create must not reach Alipay at all; callers may check before building. */
export function checkCreateInput(input: CreateInput): ConnectorFailure | undefined {
  return amountProblem(input.amount, input.currency, 'total_amount') ?? timeProblem('Alipay', 'time_expire', input.expiresAt);
}

export function buildPrecreate(ctx: AlipayContext, input: CreateInput): WireRequest | ConnectorFailure {
  const problem = checkCreateInput(input);
  // A caller that skipped the app's amount check gets the failure as a value and nothing is sent.
  if (problem) return problem;
  return gatewayRequest(
    ctx,
    PRECREATE,
    {
      out_trade_no: input.reference,
      total_amount: yuan(input.amount),
      subject: input.description,
      time_expire: chinaDateTime(input.expiresAt),
    },
    { notifyUrl: ctx.notifyUrl },
  );
}

export function parsePrecreate(ctx: AlipayContext, input: CreateInput, res: WireResponse): CreateResult {
  const problem = checkCreateInput(input);
  if (problem) return problem;
  const read = readTradeReply(ctx, PRECREATE, res, input.reference);
  if (!read.ok) return read;
  const { reply } = read;
  if (reply.code !== SUCCESS_CODE) return failureOf(reply);
  const qrCode = stringField(reply, 'qr_code');
  if (qrCode === undefined) return badResponse(PRECREATE, 'success answer has no qr_code');
  return { ok: true, reference: input.reference, qrCode };
}

export const precreate: AlipayPort['create'] = { build: buildPrecreate, parse: parsePrecreate };
