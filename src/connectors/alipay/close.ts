/**
 * alipay.trade.close: ends a trade that is still waiting for the buyer.
 */
import type { CloseResult, WireRequest, WireResponse } from '../types.js';
import { TRADE_NOT_EXIST } from './query.js';
import { gatewayRequest, type AlipayContext, type AlipayPort } from './request.js';
import { failureOf, isSignedBusiness, SUCCESS_CODE, readTradeReply } from './response.js';

export const CLOSE = 'alipay.trade.close';

export function buildClose(ctx: AlipayContext, reference: string): WireRequest {
  return gatewayRequest(ctx, CLOSE, { out_trade_no: reference });
}

export function parseClose(ctx: AlipayContext, reference: string, res: WireResponse): CloseResult {
  const read = readTradeReply(ctx, CLOSE, res, reference);
  if (!read.ok) return read;
  const { reply } = read;
  if (reply.code === SUCCESS_CODE) return { ok: true, outcome: 'closed' };
  // Never scanned, so nothing to close. The QR code itself stays scannable until its
  // time_expire; callers closing early must keep watching until then (or use cancel).
  if (isSignedBusiness(reply, TRADE_NOT_EXIST)) return { ok: true, outcome: 'closed' };
  // Paid or already closed: the caller queries to learn which.
  if (isSignedBusiness(reply, 'ACQ.TRADE_STATUS_ERROR', 'ACQ.TRADE_HAS_SUCCESS', 'ACQ.TRADE_HAS_CLOSE')) {
    return { ok: true, outcome: 'not_closable' };
  }
  return failureOf(reply);
}

export const close: AlipayPort['close'] = { build: buildClose, parse: parseClose };
