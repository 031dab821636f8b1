/**
 * alipay.trade.refund and alipay.trade.fastpay.refund.query. out_request_no is the
 * per-refund idempotency key: resending it never refunds twice.
 */
import type { ConnectorFailure, RefundInput, RefundResult, WireRequest, WireResponse } from '../types.js';
import { amountProblem, yuan } from './amount.js';
import { gatewayRequest, type AlipayContext, type AlipayPort } from './request.js';
import { badResponse, echoMismatch, failureOf, isRetryable, stringField, SUCCESS_CODE, BUSINESS_FAILURE_CODE, yuanField, readTradeReply } from './response.js';

export const REFUND = 'alipay.trade.refund';
export const REFUND_QUERY = 'alipay.trade.fastpay.refund.query';

export function buildRefund(ctx: AlipayContext, input: RefundInput): WireRequest | ConnectorFailure {
  // An amount Alipay would refuse is a failure value: nothing is sent.
  const problem = amountProblem(input.amount, input.currency, 'refund_amount');
  if (problem) return problem;
  return gatewayRequest(ctx, REFUND, {
    out_trade_no: input.reference,
    refund_amount: yuan(input.amount),
    out_request_no: input.refundReference,
    refund_reason: input.reason,
  });
}

export function parseRefund(ctx: AlipayContext, input: RefundInput, res: WireResponse): RefundResult {
  const problem = amountProblem(input.amount, input.currency, 'refund_amount');
  if (problem) return problem;
  const read = readTradeReply(ctx, REFUND, res, input.reference);
  if (!read.ok) return read;
  const { reply } = read;
  if (reply.code === SUCCESS_CODE) {
    // fund_change N means Alipay accepted the request without moving money yet (or it is a
    // repeat of an earlier request); only the refund query can tell which.
    return { ok: true, status: stringField(reply, 'fund_change') === 'Y' ? 'succeeded' : 'pending' };
  }
  // A signed decline is the refund's outcome, not an error of the call.
  if (reply.signed && reply.code === BUSINESS_FAILURE_CODE && !isRetryable(reply)) {
    return {
      ok: true,
      status: 'failed',
      failureReason: `${reply.subCode ?? reply.code}: ${reply.subMsg ?? reply.msg}`,
    };
  }
  return failureOf(reply);
}

export function buildRefundQuery(ctx: AlipayContext, input: RefundInput): WireRequest {
  return gatewayRequest(ctx, REFUND_QUERY, {
    out_trade_no: input.reference,
    out_request_no: input.refundReference,
  });
}

export function parseRefundQuery(ctx: AlipayContext, input: RefundInput, res: WireResponse): RefundResult {
  const read = readTradeReply(ctx, REFUND_QUERY, res, input.reference);
  if (!read.ok) return read;
  const { reply } = read;
  const mismatch = echoMismatch(reply, 'out_request_no', input.refundReference);
  if (mismatch) return mismatch;
  // ACQ.TRADE_NOT_EXIST and every other error: the refund query cannot answer, so no status.
  if (reply.code !== SUCCESS_CODE) return failureOf(reply);
  // Without refund_status Alipay has either not received or not finished the refund yet.
  if (stringField(reply, 'refund_status') !== 'REFUND_SUCCESS') return { ok: true, status: 'pending' };
  const refunded = yuanField(reply, 'refund_amount');
  if (refunded === 'bad') return badResponse(REFUND_QUERY, `refund_amount ${JSON.stringify(reply.node.refund_amount)} is not a CNY amount`);
  if (refunded !== undefined && refunded !== input.amount) {
    return badResponse(REFUND_QUERY, `refund_amount ${yuan(refunded)} differs from the requested ${yuan(input.amount)}`);
  }
  return { ok: true, status: 'succeeded' };
}

export const refund: AlipayPort['refund'] = { build: buildRefund, parse: parseRefund };
export const refundQuery: AlipayPort['refundQuery'] = { build: buildRefundQuery, parse: parseRefundQuery };
