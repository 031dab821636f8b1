/**
 * Transaction status query (txnType 00 via queryTrans.do), for the consume and for refunds.
 * respCode says whether the query worked; origRespCode is the queried transaction's result.
 */
import type { ConnectorFailure, QueryResult, RefundInput, RefundResult, WireRequest, WireResponse } from '../types.js';
import { orderIdOf, parseFen, referenceProblem, txnTimeOf } from './order.js';
import { QUERY_PATH, unionpayRequest, type UnionpayContext, type UnionpayPort } from './request.js';
import { unionpayDecline } from './declines.js';
import { badResponse, failureOf, field, IN_PROGRESS, NOT_FOUND, readReply, type UnionpayReply } from './response.js';

const OP = 'query (00/00)';

/** The state of the queried transaction, from origRespCode. */
export function origState(origRespCode: string): 'succeeded' | 'pending' | 'failed' {
  if (origRespCode === '00') return 'succeeded';
  // 03/04/05: UnionPay has not finished; its own advice is to ask again (1, 2, 4, 8, 16, 32 s).
  return IN_PROGRESS.has(origRespCode) ? 'pending' : 'failed';
}

function queryRequest(ctx: UnionpayContext, reference: string): WireRequest | ConnectorFailure {
  const problem = referenceProblem(reference);
  if (problem) return problem;
  return unionpayRequest(ctx, QUERY_PATH, {
    txnType: '00',
    txnSubType: '00',
    bizType: '000000',
    orderId: orderIdOf(reference),
    txnTime: txnTimeOf(reference),
  });
}

type Read = { ok: true; reply: UnionpayReply; state: 'succeeded' | 'pending' | 'failed' | 'not_found'; orig: string } | Exclude<QueryResult, { ok: true }>;

function readQuery(ctx: UnionpayContext, reference: string, res: WireResponse): Read {
  const read = readReply(ctx, OP, res, { orderId: orderIdOf(reference) });
  if (!read.ok) return read;
  const { reply } = read;
  if (reply.respCode === NOT_FOUND) return { ok: true, reply, state: 'not_found', orig: NOT_FOUND };
  if (reply.respCode !== '00') return failureOf(reply);
  const orig = field(reply, 'origRespCode');
  if (orig === undefined) return badResponse(OP, 'success answer has no origRespCode');
  return { ok: true, reply, state: origState(orig), orig };
}

export function buildQuery(ctx: UnionpayContext, reference: string): WireRequest | ConnectorFailure {
  return queryRequest(ctx, reference);
}

export function parseQuery(ctx: UnionpayContext, reference: string, _currency: string, res: WireResponse): QueryResult {
  const r = readQuery(ctx, reference, res);
  if (!r.ok) return r;
  // Before the buyer pays there is no consume to find: keep waiting.
  if (r.state === 'not_found') return { ok: true, status: 'pending', providerStatus: `respCode ${NOT_FOUND}` };
  const txnAmt = field(r.reply, 'txnAmt');
  const amount = parseFen(txnAmt);
  if (txnAmt !== undefined && amount === undefined) return badResponse(OP, `txnAmt ${JSON.stringify(txnAmt)} is not an amount in fen`);
  const queryId = field(r.reply, 'queryId');
  return {
    ok: true,
    status: r.state,
    providerStatus: `origRespCode ${r.orig}`,
    ...(r.state === 'failed' ? { decline: unionpayDecline(r.orig, field(r.reply, 'origRespMsg')) } : {}),
    ...(amount === undefined ? {} : { amount }),
    ...(queryId === undefined ? {} : { providerTransactionId: queryId }),
  };
}

export function buildRefundQuery(ctx: UnionpayContext, input: RefundInput): WireRequest | ConnectorFailure {
  return queryRequest(ctx, input.refundReference);
}

export function parseRefundQuery(ctx: UnionpayContext, input: RefundInput, res: WireResponse): RefundResult {
  const r = readQuery(ctx, input.refundReference, res);
  if (!r.ok) return r;
  // Not (yet) at UnionPay: the sync job re-submits with the same orderId, which is safe.
  if (r.state === 'not_found' || r.state === 'pending') return { ok: true, status: 'pending' };
  if (r.state === 'failed') return { ok: true, status: 'failed', failureReason: `origRespCode ${r.orig} ${field(r.reply, 'origRespMsg') ?? ''}`.trim() };
  const txnAmt = field(r.reply, 'txnAmt');
  if (txnAmt !== undefined && parseFen(txnAmt) !== input.amount) {
    return badResponse(OP, `refund txnAmt ${JSON.stringify(txnAmt)} differs from the requested ${input.amount}`);
  }
  const queryId = field(r.reply, 'queryId');
  return { ok: true, status: 'succeeded', ...(queryId === undefined ? {} : { providerRefundId: queryId }) };
}

export const query: UnionpayPort['query'] = { build: buildQuery, parse: parseQuery };
export const refundQuery: UnionpayPort['refundQuery'] = { build: buildRefundQuery, parse: parseRefundQuery };
