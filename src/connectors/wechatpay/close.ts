/**
 * POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close {mchid} → 204.
 */
import type { CloseResult, WireRequest, WireResponse } from '../types.js';
import { apiRequest, seg, type WechatpayContext, type WechatpayPort } from './request.js';
import { failureOf, isSignedError, readReply } from './response.js';
import { ORDER_NOT_EXIST } from './query.js';

export const CLOSE = 'close order';

export function buildClose(ctx: WechatpayContext, reference: string): WireRequest {
  return apiRequest(ctx, 'POST', `/v3/pay/transactions/out-trade-no/${seg(reference)}/close`, { mchid: ctx.credentials.mchid });
}

export function parseClose(ctx: WechatpayContext, _reference: string, res: WireResponse): CloseResult {
  const read = readReply(ctx, CLOSE, res);
  if (!read.ok) return read;
  const { reply } = read;
  // WeChat Pay answers a close of an already closed order with 204 as well.
  if (reply.status === 204 || reply.status === 200) return { ok: true, outcome: 'closed' };
  // Never created at WeChat Pay: nothing can be paid, so it is as good as closed.
  if (isSignedError(reply, ORDER_NOT_EXIST)) return { ok: true, outcome: 'closed' };
  // Paid (or otherwise past waiting): the caller queries to learn which.
  if (isSignedError(reply, 'ORDERPAID', 'ORDER_PAID', 'ORDER_CLOSED', 'ORDERCLOSED', 'TRADE_ERROR')) return { ok: true, outcome: 'not_closable' };
  return failureOf(reply);
}

export const close: WechatpayPort['close'] = { build: buildClose, parse: parseClose };
