/**
 * Refund (txnType 04). UnionPay answers respCode 00 for "accepted": the result arrives by
 * notification (txnType 04) or by querying the refund's own orderId + txnTime, both
 * derived from the refund reference, so a resend is recognisably the same refund.
 */
import type { ConnectorFailure, RefundInput, RefundResult, WireRequest, WireResponse } from '../types.js';
import { amountProblem, orderIdOf, referenceProblem, txnTimeOf } from './order.js';
import { backTransRequest, type UnionpayContext, type UnionpayPort } from './request.js';
import { failureOf, IN_PROGRESS, readReply } from './response.js';
import { originOf } from './undo.js';

const OP = 'refund (04/00)';
/** 12: a repeat of a transaction UnionPay already has; its result comes the usual way. */
const DUPLICATE = '12';
const RETRY_OR_AUTH = new Set(['02', '06', '37', '11', '31', '32', '43']);

/** reqReserved of a refund: both references, so the notification names the payment and the refund. */
export function refundReserved(input: Pick<RefundInput, 'reference' | 'refundReference'>): string {
  return `${input.reference}|${input.refundReference}`;
}

export function buildRefund(ctx: UnionpayContext, input: RefundInput): WireRequest | ConnectorFailure {
  const problem = amountProblem(input.amount, input.currency, 'txnAmt') ?? referenceProblem(input.reference, input.refundReference);
  if (problem) return problem;
  return backTransRequest(ctx, '04', '00', {
    orderId: orderIdOf(input.refundReference),
    txnTime: txnTimeOf(input.refundReference),
    txnAmt: String(input.amount),
    ...originOf(input.reference, input.providerTransactionId),
    reqReserved: refundReserved(input),
  });
}

export function parseRefund(ctx: UnionpayContext, input: RefundInput, res: WireResponse): RefundResult {
  const problem = amountProblem(input.amount, input.currency, 'txnAmt');
  if (problem) return problem;
  const read = readReply(ctx, OP, res, { orderId: orderIdOf(input.refundReference) });
  if (!read.ok) return read;
  const { reply } = read;
  if (reply.respCode === '00' || reply.respCode === DUPLICATE || IN_PROGRESS.has(reply.respCode)) return { ok: true, status: 'pending' };
  if (RETRY_OR_AUTH.has(reply.respCode)) return failureOf(reply);
  // Any other signed answer is UnionPay declining this refund (amount over, original refunded ...).
  return { ok: true, status: 'failed', failureReason: `respCode ${reply.respCode}${reply.respMsg ? ` ${reply.respMsg}` : ''}` };
}

export const refund: UnionpayPort['refund'] = { build: buildRefund, parse: parseRefund };
