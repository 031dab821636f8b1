/**
 * alipay.trade.query: the trade's current state.
 */
import type { QueryResult, WireRequest, WireResponse } from '../types.js';
import { gatewayRequest, type AlipayContext, type AlipayPort } from './request.js';
import { badResponse, failureOf, isSignedBusiness, stringField, SUCCESS_CODE, yuanField, readTradeReply } from './response.js';
import { mapTradeStatus } from './status.js';

export const QUERY = 'alipay.trade.query';
export const TRADE_NOT_EXIST = 'ACQ.TRADE_NOT_EXIST';

export function buildQuery(ctx: AlipayContext, reference: string): WireRequest {
  return gatewayRequest(ctx, QUERY, { out_trade_no: reference });
}

export function parseQuery(ctx: AlipayContext, reference: string, _currency: string, res: WireResponse): QueryResult {
  const read = readTradeReply(ctx, QUERY, res, reference);
  if (!read.ok) return read;
  const { reply } = read;
  // Before the buyer scans the QR code Alipay has no trade at all: keep waiting.
  if (isSignedBusiness(reply, TRADE_NOT_EXIST)) return { ok: true, status: 'pending', providerStatus: TRADE_NOT_EXIST };
  if (reply.code !== SUCCESS_CODE) return failureOf(reply);

  const tradeStatus = stringField(reply, 'trade_status');
  if (tradeStatus === undefined) return badResponse(QUERY, 'success answer has no trade_status');
  // Alipay only settles CNY for this product, whatever currency label the caller holds.
  const amount = yuanField(reply, 'total_amount');
  if (amount === 'bad') return badResponse(QUERY, `total_amount ${JSON.stringify(reply.node.total_amount)} is not a CNY amount`);
  const tradeNo = stringField(reply, 'trade_no');
  return {
    ok: true,
    status: mapTradeStatus(tradeStatus),
    providerStatus: tradeStatus,
    ...(amount === undefined ? {} : { amount }),
    ...(tradeNo === undefined ? {} : { providerTransactionId: tradeNo }),
  };
}

export const query: AlipayPort['query'] = { build: buildQuery, parse: parseQuery };
