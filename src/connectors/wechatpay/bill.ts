/**
 * Trade bills for reconciliation (not part of the connector port): GET /v3/bill/tradebill
 * returns {hash_type, hash_value, download_url}; the download is a signed GET whose answer
 * is NOT signed, so its integrity rests on the SHA1 from the (signed) first answer.
 * Builders return a failure value instead of throwing, like every connector build().
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { ConnectorFailure, WireRequest, WireResponse } from '../types.js';
import { unsendable } from '../common/failure.js';
import { apiRequest, signedRequest, type WechatpayContext } from './request.js';
import { badResponse, describe, fail, failureOf, isSignedError, readReply, stringField } from './response.js';

export const TRADE_BILL = 'trade bill';
const BILL_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
/** WeChat Pay's "no bill for that day" (no trades, or a day it keeps no bill for). */
export const NO_STATEMENT_EXIST = 'NO_STATEMENT_EXIST';
/** The bill of that day is still being generated (asked before about 10:00 GMT+8). */
export const STATEMENT_CREATING = 'STATEMENT_CREATING';

export interface TradeBillOptions {
  /** ALL (default), SUCCESS or REFUND. */
  billType?: 'ALL' | 'SUCCESS' | 'REFUND';
  /** Ask for a gzip file (smaller; the SHA1 then covers the gzip bytes). */
  gzip?: boolean;
}

export type TradeBillUrlResult =
  | { ok: true; noBill?: false; hashType: 'SHA1'; hashValue: string; downloadUrl: string }
  /** WeChat Pay keeps no bill for that day: reconciliation reads it as a day without rows. */
  | { ok: true; noBill: true; message: string }
  | ConnectorFailure;

/** billDate is the GMT+8 calendar day, "yyyy-MM-dd" (time.ts chinaDate). */
export function buildTradeBill(ctx: WechatpayContext, billDate: string, opts: TradeBillOptions = {}): WireRequest | ConnectorFailure {
  if (!BILL_DATE.test(billDate)) return unsendable('VALIDATION.INVALID_BODY', `WeChat Pay bill_date must be yyyy-MM-dd, got ${JSON.stringify(billDate)}`);
  const tar = opts.gzip ? '&tar_type=GZIP' : '';
  return apiRequest(ctx, 'GET', `/v3/bill/tradebill?bill_date=${billDate}&bill_type=${opts.billType ?? 'ALL'}${tar}`);
}

export function parseTradeBill(ctx: WechatpayContext, res: WireResponse): TradeBillUrlResult {
  const read = readReply(ctx, TRADE_BILL, res);
  if (!read.ok) return read;
  const { reply } = read;
  // Only a signed answer may say "no bill": an unsigned one could hide a whole day's trades.
  if (isSignedError(reply, NO_STATEMENT_EXIST)) return { ok: true, noBill: true, message: describe(reply) };
  if (isSignedError(reply, STATEMENT_CREATING)) {
    return fail('CONNECTOR.UNAVAILABLE', `WeChat Pay ${TRADE_BILL}: ${describe(reply)}: the bill is still being generated; retry later (bills are final after 10:00 GMT+8)`, true, STATEMENT_CREATING);
  }
  if (reply.status !== 200) return failureOf(reply);
  const hashType = stringField(reply.body, 'hash_type');
  const hashValue = stringField(reply.body, 'hash_value');
  const downloadUrl = stringField(reply.body, 'download_url');
  if (hashType !== 'SHA1') return badResponse(TRADE_BILL, `hash_type ${JSON.stringify(hashType)} is not SHA1`);
  if (hashValue === undefined || !/^[0-9a-fA-F]{40}$/.test(hashValue)) return badResponse(TRADE_BILL, 'hash_value is not a SHA1 hex digest');
  if (downloadUrl === undefined || !URL.canParse(downloadUrl) || !/^https?:$/.test(new URL(downloadUrl).protocol)) {
    return badResponse(TRADE_BILL, `download_url ${JSON.stringify(downloadUrl)} is not an http(s) URL`);
  }
  return { ok: true, hashType, hashValue: hashValue.toLowerCase(), downloadUrl };
}

/** The download is signed like any APIv3 call, over download_url's own path and query. */
export function buildBillDownload(ctx: WechatpayContext, downloadUrl: string): WireRequest | ConnectorFailure {
  if (!URL.canParse(downloadUrl)) return unsendable('VALIDATION.INVALID_BODY', `WeChat Pay download_url ${JSON.stringify(downloadUrl)} is not a URL`);
  return signedRequest(ctx, 'GET', downloadUrl);
}

/** Constant-time comparison of a digest with the hex hash_value WeChat Pay signed. */
export function digestMatches(actual: Buffer, hashValue: string): boolean {
  const expected = Buffer.from(hashValue, 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

export type BillFileResult = { ok: true; csv: string } | ConnectorFailure;

/**
 * Checks the downloaded bytes against hash_value (constant time), un-gzips when asked, and
 * returns the CSV text, for small bills held in memory. Reconciliation streams instead
 * (bill-source.ts). Takes raw bytes: a gzip file does not survive being decoded as text.
 */
export function verifyBillFile(bytes: Uint8Array, hashValue: string, gzip: boolean): BillFileResult {
  const actual = createHash('sha1').update(bytes).digest();
  if (!digestMatches(actual, hashValue)) {
    return badResponse('bill download', `SHA1 ${actual.toString('hex')} differs from hash_value ${hashValue}: the file was altered or truncated; download it again`);
  }
  let plain: Buffer;
  try {
    plain = gzip ? gunzipSync(bytes) : Buffer.from(bytes);
  } catch {
    return badResponse('bill download', 'file is not valid gzip');
  }
  return { ok: true, csv: plain.toString('utf8') };
}

export interface TradeBill {
  header: string[];
  rows: Array<Record<string, string>>;
  summaryHeader: string[];
  summary: Record<string, string>;
}

/** Splits a data line: every cell starts with a backtick (`), which keeps spreadsheets from mangling ids. */
function cells(line: string): string[] {
  if (!line.startsWith('`')) throw new SyntaxError(`bill line does not start with a backtick: ${line.slice(0, 40)}`);
  return line.slice(1).split(',`');
}

function record(keys: string[], values: string[]): Record<string, string> {
  if (keys.length !== values.length) throw new SyntaxError(`bill line has ${values.length} cells, header has ${keys.length}`);
  return Object.fromEntries(keys.map((k, i) => [k, values[i] ?? '']));
}

/** The CSV of a small trade bill in memory: BOM, header, backtick rows, summary header, one summary row. */
export function parseTradeBillCsv(csv: string): TradeBill {
  const lines = csv.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l !== '');
  if (lines.length < 3) throw new SyntaxError('bill has fewer than 3 lines (header, summary header, summary)');
  const header = (lines[0] ?? '').split(',');
  const summaryHeader = (lines[lines.length - 2] ?? '').split(',');
  const rows = lines.slice(1, -2).map((l) => record(header, cells(l)));
  return { header, rows, summaryHeader, summary: record(summaryHeader, cells(lines[lines.length - 1] ?? '')) };
}
