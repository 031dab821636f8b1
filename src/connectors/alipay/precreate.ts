/**
 * alipay.trade.precreate: creates the QR code the buyer scans. The trade itself does not
 * exist at Alipay until the scan.
 */
import { PaygateError } from '../../domain/errors.js';
import type { ConnectorFailure, CreateInput, CreateResult, WireRequest, WireResponse } from '../types.js';
import { amountProblem, yuan } from './amount.js';
import { gatewayRequest, type AlipayContext } from './request.js';
import { badResponse, echoMismatch, failureOf, readReply, stringField, SUCCESS_CODE } from './response.js';
import { chinaDateTime } from './time.js';

export const PRECREATE = 'alipay.trade.precreate';

/** Reasons a create must not reach Alipay at all; callers may check before building. */
export function checkCreateInput(input: CreateInput): ConnectorFailure | undefined {
  return amountProblem(input.amount, input.currency, 'total_amount');
}

export function buildPrecreate(ctx: AlipayContext, input: CreateInput): WireRequest {
  const problem = checkCreateInput(input);
  // build() cannot return a failure; a caller that skipped checkCreateInput gets the same
  // catalog code as an exception rather than a request Alipay would reject anyway.
  if (problem) throw new PaygateError(problem.code, problem.message);
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
  const read = readReply(ctx.credentials, PRECREATE, res);
  if (!read.ok) return read;
  const { reply } = read;
  const mismatch = echoMismatch(reply, 'out_trade_no', input.reference);
  if (mismatch) return mismatch;
  if (reply.code !== SUCCESS_CODE) return failureOf(reply);
  const qrCode = stringField(reply, 'qr_code');
  if (qrCode === undefined) return badResponse(PRECREATE, 'success answer has no qr_code');
  return { ok: true, reference: input.reference, qrCode };
}
