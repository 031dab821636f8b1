/**
 * alipay.trade.cancel (closes an unpaid trade, refunds a paid one) and
 * alipay.data.dataservice.bill.downloadurl.query. Not part of the connector port: kept for
 * timeout handling and reconciliation.
 */
import type { ConnectorFailure, WireRequest, WireResponse } from '../types.js';
import { gatewayRequest, type AlipayContext } from './request.js';
import { badResponse, failureOf, readReply, stringField, SUCCESS_CODE, readTradeReply } from './response.js';

export const CANCEL = 'alipay.trade.cancel';
export const BILL_DOWNLOAD_URL = 'alipay.data.dataservice.bill.downloadurl.query';

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

export type BillUrlResult = { ok: true; url: string } | ConnectorFailure;

const BILL_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** billDate is the GMT+8 calendar day, "yyyy-MM-dd" (see time.ts chinaDate). */
export function buildBillDownloadUrl(ctx: AlipayContext, billDate: string): WireRequest {
  if (!BILL_DATE.test(billDate)) throw new RangeError(`bill_date must be yyyy-MM-dd, got ${JSON.stringify(billDate)}`);
  return gatewayRequest(ctx, BILL_DOWNLOAD_URL, { bill_type: 'trade', bill_date: billDate });
}

/** The URL is valid for about 30 seconds: download right away. */
export function parseBillDownloadUrl(ctx: AlipayContext, res: WireResponse): BillUrlResult {
  const read = readReply(ctx, BILL_DOWNLOAD_URL, res);
  if (!read.ok) return read;
  const { reply } = read;
  if (reply.code !== SUCCESS_CODE) return failureOf(reply);
  const url = stringField(reply, 'bill_download_url');
  if (url === undefined) return badResponse(BILL_DOWNLOAD_URL, 'success answer has no bill_download_url');
  return { ok: true, url };
}
