/**
 * QR apply (consume, customer scans): txnType 01, txnSubType 07. UnionPay answers with the
 * qrCode; the consume itself happens when the buyer pays, and is then notified to backUrl.
 */
import type { ConnectorFailure, CreateInput, CreateResult, WireRequest, WireResponse } from '../types.js';
import { amountProblem, beijingTime, failure, isPaygateReference, orderIdOf, txnTimeOf } from './order.js';
import { backTransRequest, type UnionpayContext, type UnionpayPort } from './request.js';
import { timeProblem } from '../common/failure.js';
import { badResponse, failureOf, field, readReply } from './response.js';

const OP = 'QR apply (01/07)';

export function checkCreateInput(input: CreateInput): ConnectorFailure | undefined {
  if (!isPaygateReference(input.reference)) return failure('VALIDATION.INVALID_BODY', `UnionPay needs a Paygate reference "<prefix>_<26 base32 chars>", got ${JSON.stringify(input.reference)}`);
  return amountProblem(input.amount, input.currency, 'txnAmt') ?? timeProblem('UnionPay', 'payTimeout', input.expiresAt);
}

export function buildApply(ctx: UnionpayContext, input: CreateInput): WireRequest | ConnectorFailure {
  const problem = checkCreateInput(input);
  // A caller that skipped the app's amount check gets the failure as a value and nothing is sent.
  if (problem) return problem;
  return backTransRequest(ctx, '01', '07', {
    orderId: orderIdOf(input.reference),
    txnTime: txnTimeOf(input.reference),
    txnAmt: String(input.amount),
    payTimeout: beijingTime(input.expiresAt),
    // Echoed in the notification; lets it name Paygate's reference without guessing a prefix.
    reqReserved: input.reference,
  });
}

export function parseApply(ctx: UnionpayContext, input: CreateInput, res: WireResponse): CreateResult {
  const problem = checkCreateInput(input);
  if (problem) return problem;
  const read = readReply(ctx, OP, res, { orderId: orderIdOf(input.reference) });
  if (!read.ok) return read;
  const { reply } = read;
  if (reply.respCode !== '00') return failureOf(reply);
  const qrCode = field(reply, 'qrCode');
  if (qrCode === undefined) return badResponse(OP, 'success answer has no qrCode');
  return { ok: true, reference: input.reference, qrCode };
}

export const apply: UnionpayPort['create'] = { build: buildApply, parse: parseApply };
