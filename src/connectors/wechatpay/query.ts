/**
 * GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=…: the order's current state.
 */
import type { QueryResult, WireRequest, WireResponse } from '../types.js';
import { CURRENCY } from './amount.js';
import { apiRequest, seg, type WechatpayContext, type WechatpayPort } from './request.js';
import { badResponse, echoMismatch, failureOf, fenField, isSignedError, objectField, readReply, stringField } from './response.js';
import { mapTradeState } from './status.js';
import { wechatDecline } from './declines.js';

export const QUERY = 'query order';
export const ORDER_NOT_EXIST = 'ORDER_NOT_EXIST';

export function queryPath(mchid: string, reference: string): string {
  return `/v3/pay/transactions/out-trade-no/${seg(reference)}?mchid=${encodeURIComponent(mchid)}`;
}

export function buildQuery(ctx: WechatpayContext, reference: string): WireRequest {
  return apiRequest(ctx, 'GET', queryPath(ctx.credentials.mchid, reference));
}

export function parseQuery(ctx: WechatpayContext, reference: string, _currency: string, res: WireResponse): QueryResult {
  const read = readReply(ctx, QUERY, res);
  if (!read.ok) return read;
  const { reply } = read;
  // The create never reached WeChat Pay (timeout before it arrived): nothing to pay yet.
  if (isSignedError(reply, ORDER_NOT_EXIST)) return { ok: true, status: 'pending', providerStatus: ORDER_NOT_EXIST };
  if (reply.status !== 200) return failureOf(reply);
  const mismatch = echoMismatch(reply, 'out_trade_no', reference) ?? echoMismatch(reply, 'mchid', ctx.credentials.mchid) ?? echoMismatch(reply, 'appid', ctx.credentials.appid);
  if (mismatch) return mismatch;
  const state = stringField(reply.body, 'trade_state');
  if (state === undefined) return badResponse(QUERY, 'success answer has no trade_state');
  const amountNode = objectField(reply.body, 'amount');
  const total = fenField(amountNode, 'total');
  if (total === 'bad') return badResponse(QUERY, `amount.total ${JSON.stringify(amountNode?.total)} is not an integer fen amount`);
  const currency = amountNode === undefined ? undefined : amountNode.currency;
  if (currency !== undefined && currency !== CURRENCY) return badResponse(QUERY, `amount.currency ${JSON.stringify(currency)} is not ${CURRENCY}`);
  const transactionId = stringField(reply.body, 'transaction_id');
  return {
    ok: true,
    status: mapTradeState(state),
    providerStatus: state,
    ...decline(state, stringField(reply.body, 'trade_state_desc')),
    ...(total === undefined ? {} : { amount: total }),
    ...(transactionId === undefined ? {} : { providerTransactionId: transactionId }),
  };
}

function decline(state: string, desc: string | undefined) {
  const d = wechatDecline(state, desc);
  return d ? { decline: d } : {};
}

export const query: WechatpayPort['query'] = { build: buildQuery, parse: parseQuery };
