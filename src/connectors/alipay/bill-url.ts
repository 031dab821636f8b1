/**
 * alipay.data.dataservice.bill.downloadurl.query: where one day's trade bill can be fetched.
 * The answer is a URL valid for about 30 seconds, so it is asked for right before the download.
 */
import type { ConnectorFailure, WireRequest, WireResponse } from '../types.js';
import { gatewayRequest, type AlipayContext } from './request.js';
import { badResponse, fail, failureOf, isSignedBusiness, readReply, stringField, SUCCESS_CODE } from './response.js';

export const BILL_DOWNLOAD_URL = 'alipay.data.dataservice.bill.downloadurl.query';
/** Alipay's "there is no bill for that day" (nothing was traded, or the day is not over yet). */
export const BILL_NOT_EXIST = 'isp.bill_not_exist';

export type BillUrlResult = { ok: true; url: string } | ConnectorFailure;

const BILL_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/**
 * billDate is the GMT+8 calendar day, "yyyy-MM-dd" (see time.ts chinaDate). A malformed
 * date is refused as a value (build() never throws, docs/adr/0008): nothing is sent.
 */
export function buildBillDownloadUrl(ctx: AlipayContext, billDate: string): WireRequest | ConnectorFailure {
  if (!BILL_DATE.test(billDate)) return fail('VALIDATION.INVALID_BODY', `Alipay bill_date must be yyyy-MM-dd, got ${JSON.stringify(billDate)}`);
  return gatewayRequest(ctx, BILL_DOWNLOAD_URL, { bill_type: 'trade', bill_date: billDate });
}

/** The URL is valid for about 30 seconds: download right away. "No bill" is a failure here (REJECTED isp.bill_not_exist). */
export function parseBillDownloadUrl(ctx: AlipayContext, res: WireResponse): BillUrlResult {
  const read = readReply(ctx, BILL_DOWNLOAD_URL, res);
  if (!read.ok) return read;
  const { reply } = read;
  if (reply.code !== SUCCESS_CODE) return failureOf(reply);
  const url = stringField(reply, 'bill_download_url');
  if (url === undefined) return badResponse(BILL_DOWNLOAD_URL, 'success answer has no bill_download_url');
  return { ok: true, url };
}

/**
 * For reconciliation: a signed isp.bill_not_exist is a day without a bill (url null). Only a
 * signed answer counts: an unsigned "no bill" could hide a whole day's discrepancies.
 */
export function parseBillUrlOrNone(ctx: AlipayContext, res: WireResponse): { ok: true; url: string | null } | ConnectorFailure {
  const read = readReply(ctx, BILL_DOWNLOAD_URL, res);
  if (read.ok && isSignedBusiness(read.reply, BILL_NOT_EXIST)) return { ok: true, url: null };
  return parseBillDownloadUrl(ctx, res);
}
