/**
 * POST /v3/refund/domestic/refunds and GET /v3/refund/domestic/refunds/{out_refund_no}.
 * out_refund_no is the per-refund idempotency key: resending it never refunds twice.
 */
import { unsendable } from '../common/failure.js';
import type { ConnectorFailure, RefundInput, RefundResult, WireRequest, WireResponse } from '../types.js';
import { amountProblem, CURRENCY } from './amount.js';
import { apiRequest, seg, type WechatpayContext, type WechatpayPort } from './request.js';
import { badResponse, echoMismatch, failureOf, fenField, objectField, readReply, stringField, type WechatReply } from './response.js';
import { mapRefundStatus } from './status.js';

export const REFUND = 'refund';
export const REFUND_QUERY = 'refund query';
export const REFUND_PATH = '/v3/refund/domestic/refunds';
/** reason is string(80) at WeChat Pay. */
const MAX_REASON = 80;

export function buildRefund(ctx: WechatpayContext, input: RefundInput): WireRequest | ConnectorFailure {
  const problem = amountProblem(input.amount, input.currency, 'amount.refund');
  if (problem) return problem;
  // WeChat Pay insists on the order total with every refund (amount.total) and checks it.
  if (input.paymentAmount === undefined) return unsendable('VALIDATION.INVALID_BODY', 'WeChat Pay refunds need the paid order total (RefundInput.paymentAmount)');
  const reason = input.reason === undefined ? undefined : Array.from(input.reason).slice(0, MAX_REASON).join('');
  return apiRequest(ctx, 'POST', REFUND_PATH, {
    out_trade_no: input.reference,
    out_refund_no: input.refundReference,
    ...(reason ? { reason } : {}),
    notify_url: ctx.notifyUrl,
    amount: { refund: input.amount, total: input.paymentAmount, currency: CURRENCY },
  });
}

/** A 200 refund object (create answer or query answer) → result. */
function refundObject(reply: WechatReply, input: RefundInput): RefundResult {
  const mismatch = echoMismatch(reply, 'out_refund_no', input.refundReference) ?? echoMismatch(reply, 'out_trade_no', input.reference);
  if (mismatch) return mismatch;
  const status = stringField(reply.body, 'status');
  if (status === undefined) return badResponse(reply.op, 'success answer has no status');
  const refunded = fenField(objectField(reply.body, 'amount'), 'refund');
  if (refunded === 'bad') return badResponse(reply.op, 'amount.refund is not an integer fen amount');
  if (refunded !== undefined && refunded !== input.amount) return badResponse(reply.op, `amount.refund ${refunded} differs from the requested ${input.amount}`);
  const mapped = mapRefundStatus(status);
  const refundId = stringField(reply.body, 'refund_id');
  return {
    ok: true,
    status: mapped,
    ...(refundId === undefined ? {} : { providerRefundId: refundId }),
    ...(mapped === 'failed' ? { failureReason: `WeChat Pay refund ${status}` } : {}),
  };
}

export function parseRefund(ctx: WechatpayContext, input: RefundInput, res: WireResponse): RefundResult {
  const problem = amountProblem(input.amount, input.currency, 'amount.refund');
  if (problem) return problem;
  const read = readReply(ctx, REFUND, res);
  if (!read.ok) return read;
  const { reply } = read;
  if (reply.status === 200) return refundObject(reply, input);
  const failure = failureOf(reply);
  // A signed, final decline (e.g. INVALID_REQUEST "already fully refunded") is the refund's
  // outcome, not an error of the call; retryable and auth problems stay failures.
  if (reply.signed && (reply.status === 400 || reply.status === 404) && !failure.retryable && failure.code === 'CONNECTOR.REJECTED') {
    return { ok: true, status: 'failed', failureReason: `${reply.code ?? 'ERROR'}: ${reply.message ?? ''}`.trim() };
  }
  return failure;
}

export function buildRefundQuery(ctx: WechatpayContext, input: RefundInput): WireRequest {
  return apiRequest(ctx, 'GET', `${REFUND_PATH}/${seg(input.refundReference)}`);
}

export function parseRefundQuery(ctx: WechatpayContext, input: RefundInput, res: WireResponse): RefundResult {
  const read = readReply(ctx, REFUND_QUERY, res);
  if (!read.ok) return read;
  // RESOURCE_NOT_EXISTS and every other error: no status to report; the refund stays pending.
  if (read.reply.status !== 200) return failureOf(read.reply);
  return refundObject(read.reply, input);
}

export const refund: WechatpayPort['refund'] = { build: buildRefund, parse: parseRefund };
export const refundQuery: WechatpayPort['refundQuery'] = { build: buildRefundQuery, parse: parseRefundQuery };
