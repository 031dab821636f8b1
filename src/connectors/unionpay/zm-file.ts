/**
 * The INN…ZM_… file: one transaction per CRLF line, fixed-width fields counted in GBK
 * bytes with one separator byte between them (widths: shared/providers/unionpay.md; field
 * names: docs/providers/unionpay.md). Read as a stream of lines, never as a whole file: a
 * day of a million transactions is ~600 MB of records.
 */
import iconv from 'iconv-lite';
import { BillError } from '../bills.js';

/** Field widths in bytes (GBK), one separator byte between fields; unionpay.md. */
export const ZM_WIDTHS = [3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4, 32, 1, 21, 15, 1, 15, 32, 13, 13, 8, 32, 13, 13, 12, 2, 1, 131] as const;

/** Bytes of one record without its line end: 607. */
export const ZM_RECORD_BYTES = ZM_WIDTHS.reduce((a, b) => a + b, 0) + ZM_WIDTHS.length - 1;

export interface ZmRecord {
  /** 1-based line number in the file. */
  line: number;
  /** All fields, trimmed, in file order (1-based numbering in the docs = index + 1). */
  fields: string[];
  /** #4 系统跟踪号. */
  traceNo: string;
  /** #5, MMDDhhmmss. */
  txnTime: string;
  /** #7, the amount in fen (12 digits, zero-padded), undefined when not digits. */
  amount: number | undefined;
  /** #12. */
  orderId: string;
  /** #20. */
  txnType: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes: Buffer): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** U+FFFD (no GBK character) or the private-use area (GBK's user-defined rows): not text UnionPay writes. */
const NOT_GBK_TEXT = /[\uFFFD\uE000-\uF8FF]/;

/**
 * A record's fields. ASCII lines (nearly all) are sliced as latin1. A line with high bytes
 * must be GBK: it is refused if those bytes form valid UTF-8 (GBK Chinese practically never
 * does, UTF-8 Chinese always does) or decode to no GBK character.
 */
function hasHighByte(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] ?? 0) >= 0x80) return true;
  return false;
}

/**
 * A record's fields. ASCII fields (nearly all) are sliced as latin1; only a field with high
 * bytes (a merchant name) is decoded, and it must be GBK: refused if its bytes form valid
 * UTF-8 (GBK Chinese practically never does, UTF-8 Chinese always does) or decode to no
 * GBK character.
 */
function splitFields(line: Buffer, lineNo: number): string[] {
  const fields: string[] = [];
  let pos = 0;
  for (const width of ZM_WIDTHS) {
    // Widths count GBK bytes: slice first, decode after, so a Chinese name cannot shift fields.
    const bytes = line.subarray(pos, pos + width);
    pos += width + 1;
    if (!hasHighByte(bytes)) {
      fields.push(bytes.toString('latin1').trim());
      continue;
    }
    const where = `ZM line ${lineNo}, field #${fields.length + 1}`;
    if (isUtf8(bytes)) throw new BillError('RECON.BILL_ENCODING', `${where}: the text is UTF-8, UnionPay writes GBK`);
    const text = iconv.decode(bytes, 'gbk');
    if (NOT_GBK_TEXT.test(text)) throw new BillError('RECON.BILL_ENCODING', `${where}: bytes ${bytes.toString('hex')} are not GBK text`);
    fields.push(text.trim());
  }
  return fields;
}

export function zmRecord(line: Buffer, lineNo: number): ZmRecord {
  if (line.length !== ZM_RECORD_BYTES) {
    throw new BillError('RECON.BILL_ROW_INVALID', `ZM line ${lineNo}: ${line.length} bytes, a record has ${ZM_RECORD_BYTES}`);
  }
  const fields = splitFields(line, lineNo);
  const amountText = fields[6] ?? '';
  return {
    line: lineNo,
    fields,
    traceNo: fields[3] ?? '',
    txnTime: fields[4] ?? '',
    amount: /^\d{1,12}$/.test(amountText) ? Number(amountText) : undefined,
    orderId: fields[11] ?? '',
    txnType: fields[19] ?? '',
  };
}

/** LF-separated lines of a byte stream, CR stripped; a line longer than `max` is refused before it is buffered. */
export async function* lines(source: AsyncIterable<Buffer>, max: number): AsyncGenerator<{ line: Buffer; n: number }> {
  let carry: Buffer = Buffer.alloc(0);
  let n = 0;
  const tooLong = (): never => { throw new BillError('RECON.BILL_ROW_INVALID', `ZM line ${n + 1}: longer than ${max} bytes, not a record`); };
  for await (const chunk of source) {
    let buf = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    let nl: number;
    while ((nl = buf.indexOf(0x0a)) >= 0) {
      if (nl > max + 1) tooLong();
      n += 1;
      const end = nl > 0 && buf[nl - 1] === 0x0d ? nl - 1 : nl;
      yield { line: buf.subarray(0, end), n };
      buf = buf.subarray(nl + 1);
    }
    if (buf.length > max + 1) tooLong();
    // Copy the remainder so the chunk it came from can be collected.
    carry = Buffer.from(buf);
  }
  if (carry.length > 0) {
    n += 1;
    yield { line: carry[carry.length - 1] === 0x0d ? carry.subarray(0, -1) : carry, n };
  }
}

/** The records of a ZM file, in file order; blank lines are skipped. */
export async function* parseZmFile(source: AsyncIterable<Buffer>): AsyncGenerator<ZmRecord> {
  for await (const { line, n } of lines(source, ZM_RECORD_BYTES)) {
    if (line.length === 0) continue;
    yield zmRecord(line, n);
  }
}
