/**
 * File transfer (txnType 76, txnSubType 01): the day's reconciliation files. Not part of
 * the connector port; the reconciliation job uses it. fileContent is base64 of a zlib
 * stream (the SDKs' gzcompress / Java deflate) whose content is a zip; inside, the
 * INN...ZM_... file lists the transactions in GBK fixed-width records.
 */
import { inflateRawSync, inflateSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { PaygateError } from '../../domain/errors.js';
import type { ConnectorFailure, WireRequest, WireResponse } from '../types.js';
import { beijingTime } from './order.js';
import { FILE_TRANS_PATH, unionpayRequest, type UnionpayContext } from './request.js';
import { badResponse, failureOf, field, readReply } from './response.js';

const OP = 'file transfer (76/01)';
const NO_FILE = '98';

export interface ZipEntry { name: string; data: Buffer }
export type FileTransferResult = { ok: true; fileName: string | undefined; entries: ZipEntry[] } | { ok: true; noFile: true } | ConnectorFailure;

export function buildFileTransfer(ctx: UnionpayContext, settleDate: string): WireRequest {
  if (!/^(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/.test(settleDate)) throw new PaygateError('VALIDATION.INVALID_BODY', `settleDate must be MMDD, got ${JSON.stringify(settleDate)}`);
  return unionpayRequest(ctx, FILE_TRANS_PATH, { txnType: '76', txnSubType: '01', bizType: '000000', txnTime: beijingTime(ctx.now), settleDate, fileType: '00' });
}

export function parseFileTransfer(ctx: UnionpayContext, res: WireResponse): FileTransferResult {
  const read = readReply(ctx, OP, res);
  if (!read.ok) return read;
  const { reply } = read;
  if (reply.respCode === NO_FILE) return { ok: true, noFile: true };
  if (reply.respCode !== '00') return failureOf(reply);
  const content = field(reply, 'fileContent');
  if (content === undefined) return badResponse(OP, 'success answer has no fileContent');
  try {
    return { ok: true, fileName: field(reply, 'fileName'), entries: readZip(inflateSync(Buffer.from(content, 'base64'))) };
  } catch (err) {
    return badResponse(OP, `fileContent is not base64 + zlib + zip: ${(err as Error).message}`);
  }
}

/** Just enough of the zip format for UnionPay's archives: central directory, stored or deflated entries. */
export function readZip(zip: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = zip.readUInt16LE(p + 10);
    const size = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + size);
    if (method !== 0 && method !== 8) throw new Error(`${name}: compression method ${method} is not supported`);
    entries.push({ name, data: method === 0 ? Buffer.from(raw) : inflateRawSync(raw) });
  }
  return entries;
}

/** Field widths in bytes (GBK), one separator byte between fields; unionpay.md. */
export const ZM_WIDTHS = [3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4, 32, 1, 21, 15, 1, 15, 32, 13, 13, 8, 32, 13, 13, 12, 2, 1, 131] as const;

export interface ZmRecord {
  /** All fields, trimmed, in file order (1-based numbering in the docs = index + 1). */
  fields: string[];
  traceNo: string;
  /** #5, MMDDhhmmss. */
  txnTime: string;
  /** #7, the amount in fen (12 digits, zero-padded). */
  amount: number | undefined;
  /** #12. */
  orderId: string;
  /** #20. */
  txnType: string;
}

export function parseZmFile(data: Buffer): ZmRecord[] {
  const records: ZmRecord[] = [];
  let lineStart = 0;
  for (let i = 0; i <= data.length; i++) {
    if (i < data.length && data[i] !== 0x0a) continue;
    let line = data.subarray(lineStart, i);
    lineStart = i + 1;
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    if (line.length === 0) continue;
    const fields: string[] = [];
    let pos = 0;
    for (const width of ZM_WIDTHS) {
      // Widths count GBK bytes: slice first, decode after, so a Chinese name cannot shift fields.
      fields.push(iconv.decode(line.subarray(pos, pos + width), 'gbk').trim());
      pos += width + 1;
    }
    const amountText = fields[6] ?? '';
    records.push({
      fields,
      traceNo: fields[3] ?? '',
      txnTime: fields[4] ?? '',
      amount: /^\d{1,12}$/.test(amountText) ? Number(amountText) : undefined,
      orderId: fields[11] ?? '',
      txnType: fields[19] ?? '',
    });
  }
  return records;
}
