/**
 * Consume undo (txnType 31), used as the port's `close`. UnionPay has no "close" for a QR
 * order: an undo of the consume both stops an unpaid order from being paid and, on the day
 * of payment, reverses a paid one in full. The undo is its own transaction: orderId is the
 * consume's orderId plus "U" (27 chars), txnTime is now. Like every ACP transaction it
 * carries currencyCode and backUrl (mandatory in UnionPay's 5.1.0 samples; a gateway
 * answers 13 报文交易要素缺失 without them): UnionPay notifies the undo there (txnType 31,
 * acknowledged and ignored by notify.ts: this answer already says whether it was done).
 */
import { unsendable } from '../common/failure.js';
import type { CloseOrder, CloseResult, ConnectorFailure, WireRequest, WireResponse } from '../types.js';
import { amountProblem, beijingTime, orderIdOf, referenceProblem, txnTimeOf } from './order.js';
import { backTransRequest, type UnionpayContext, type UnionpayPort } from './request.js';
import { failureOf, readReply } from './response.js';

const OP = 'consume undo (31/00)';
/** 35: the original transaction does not exist or its state forbids the undo (refunded, settled). */
const ORIG_STATE = '35';

export function undoOrderId(reference: string): string {
  return `${orderIdOf(reference)}U`;
}

/** origQryId when the consume's queryId is known; otherwise origOrderId + origTxnTime (5.1.0). */
export function originOf(reference: string, providerTransactionId: string | undefined): Record<string, string> {
  return providerTransactionId !== undefined
    ? { origQryId: providerTransactionId }
    : { origOrderId: orderIdOf(reference), origTxnTime: txnTimeOf(reference) };
}

export function buildUndo(ctx: UnionpayContext, reference: string, order?: CloseOrder): WireRequest | ConnectorFailure {
  // txnAmt must equal the consume's amount; without it UnionPay refuses the undo.
  if (order === undefined) return unsendable('VALIDATION.INVALID_BODY', 'UnionPay consume undo needs the order amount; pass CloseOrder to close.build');
  const problem = amountProblem(order.amount, order.currency, 'txnAmt') ?? referenceProblem(reference);
  if (problem) return problem;
  return backTransRequest(ctx, '31', '00', {
    orderId: undoOrderId(reference),
    txnTime: beijingTime(ctx.now),
    txnAmt: String(order.amount),
    ...originOf(reference, order.providerTransactionId),
    reqReserved: reference,
  });
}

export function parseUndo(ctx: UnionpayContext, reference: string, res: WireResponse): CloseResult {
  const read = readReply(ctx, OP, res, { orderId: undoOrderId(reference) });
  if (!read.ok) return read;
  const { reply } = read;
  if (reply.respCode === '00') return { ok: true, outcome: 'closed' };
  // Refunded, already settled, or never reached UnionPay: the caller queries to learn which.
  if (reply.respCode === ORIG_STATE) return { ok: true, outcome: 'not_closable' };
  // 03/04/05 included: an undo whose outcome is unknown is retried, never assumed done.
  return failureOf(reply);
}

export const undo: UnionpayPort['close'] = { build: buildUndo, parse: parseUndo };
