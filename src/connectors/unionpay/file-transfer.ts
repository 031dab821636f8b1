/**
 * File transfer (txnType 76, txnSubType 01): the day's reconciliation files. Not part of
 * the connector port; the bill source (bill-source.ts) uses it. fileContent is base64 of a
 * zlib stream (the SDKs' gzcompress / Java deflate) whose content is a zip; inside, the
 * INN…ZM_… file lists the transactions in GBK fixed-width records (zm-file.ts). The answer
 * is parsed here only as far as a synchronous parse can go without a second copy of the
 * file: signature, respCode, and the base64 text; zip.ts streams the rest.
 */
import type { ConnectorFailure, WireRequest, WireResponse } from '../types.js';
import { beijingTime, failure } from './order.js';
import { FILE_TRANS_PATH, unionpayRequest, type UnionpayContext } from './request.js';
import { badResponse, failureOf, field, readReply } from './response.js';

export { readZip, type ZipArchive, type ZipEntryInfo } from './zip.js';
export { parseZmFile, ZM_RECORD_BYTES, ZM_WIDTHS, type ZmRecord } from './zm-file.js';

const OP = 'file transfer (76/01)';
/** respCode 98: UnionPay has no file for that day (no transactions). */
const NO_FILE = '98';
const SETTLE_DATE = /^(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/;

type Month = '01' | '02' | '03' | '04' | '05' | '06' | '07' | '08' | '09' | '10' | '11' | '12';
type Day = Month | '13' | '14' | '15' | '16' | '17' | '18' | '19' | '20' | '21' | '22' | '23' | '24' | '25' | '26' | '27' | '28' | '29' | '30' | '31';
/** A settleDate literal the type checker already knows is MMDD. */
export type SettleDate = `${Month}${Day}`;

export type FileTransferResult =
  | { ok: true; fileName: string | undefined; fileContent: string }
  | { ok: true; noFile: true }
  | ConnectorFailure;

/**
 * The signed 76/01 request for settleDate (MMDD). Never throws: a settleDate that is not
 * MMDD, or a clock that is not a date, is a failure value and nothing is sent. A literal
 * MMDD (SettleDate) is typed as always building.
 */
export function buildFileTransfer(ctx: UnionpayContext, settleDate: SettleDate): WireRequest;
export function buildFileTransfer(ctx: UnionpayContext, settleDate: string): WireRequest | ConnectorFailure;
export function buildFileTransfer(ctx: UnionpayContext, settleDate: string): WireRequest | ConnectorFailure {
  if (!SETTLE_DATE.test(settleDate)) return failure('VALIDATION.INVALID_BODY', `settleDate must be MMDD, got ${JSON.stringify(settleDate)}`);
  if (!Number.isFinite(ctx.now.getTime())) return failure('VALIDATION.INVALID_BODY', 'file transfer needs a valid clock for txnTime');
  return unionpayRequest(ctx, FILE_TRANS_PATH, { txnType: '76', txnSubType: '01', bizType: '000000', txnTime: beijingTime(ctx.now), settleDate, fileType: '00' });
}

/** A verified answer: the base64 fileContent as sent (decoded by zip.ts, streaming), or "no file". */
export function parseFileTransfer(ctx: UnionpayContext, res: WireResponse): FileTransferResult {
  const read = readReply(ctx, OP, res);
  if (!read.ok) return read;
  const { reply } = read;
  if (reply.respCode === NO_FILE) return { ok: true, noFile: true };
  if (reply.respCode !== '00') return failureOf(reply);
  const fileContent = field(reply, 'fileContent');
  if (fileContent === undefined) return badResponse(OP, 'success answer has no fileContent');
  return { ok: true, fileName: field(reply, 'fileName'), fileContent };
}
