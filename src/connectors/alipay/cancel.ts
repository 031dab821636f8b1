/**
 * alipay.trade.cancel (closes an unpaid trade, refunds a paid one). Not part of the connector
 * port: kept for timeout handling. The bill URL query lives in bill-url.ts (reconciliation)
 * and is re-exported here so that index.ts keeps one export list for both.
 */
import type { ConnectorFailure, WireRequest, WireResponse } from '../types.js';
import { gatewayRequest, type AlipayContext } from './request.js';
import { failureOf, stringField, SUCCESS_CODE, readTradeReply } from './response.js';

export { BILL_DOWNLOAD_URL, buildBillDownloadUrl, parseBillDownloadUrl, type BillUrlResult } from './bill-url.js';

export const CANCEL = 'alipay.trade.cancel';

export type CancelResult =
  | {
      ok: true;
      /** What Alipay did: "close", "refund", or undefined when it did not say. */
      action: string | undefined;
      /** retry_flag Y: Alipay asks for the same cancel again. */
      retry: boolean;
    }
  | ConnectorFailure;

export function buildCancel(ctx: AlipayContext, reference: string): WireRequest {
  return gatewayRequest(ctx, CANCEL, { out_trade_no: reference });
}

export function parseCancel(ctx: AlipayContext, reference: string, res: WireResponse): CancelResult {
  const read = readTradeReply(ctx, CANCEL, res, reference);
  if (!read.ok) return read;
  const { reply } = read;
  if (reply.code !== SUCCESS_CODE) return failureOf(reply);
  return { ok: true, action: stringField(reply, 'action'), retry: stringField(reply, 'retry_flag') === 'Y' };
}
