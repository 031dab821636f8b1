// The records of a ZM file as the sandbox writes them: one transaction per CRLF line,
// fields at fixed GBK byte widths with a space between them. Which of the 41 fields the
// sandbox fills, and with what, is the `values` table of zmLine (field numbers as in
// docs/providers/unionpay.md).
import iconv from 'iconv-lite';
import { cstStamp } from './format.js';
import type { TxnRow } from './store.js';

export const ZM_WIDTHS = [3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4, 32, 1, 21, 15, 1, 15, 32, 13, 13, 8, 32, 13, 13, 12, 2, 1, 131];
const OFFSETS = ZM_WIDTHS.map((_, i) => ZM_WIDTHS.slice(0, i).reduce((a, w) => a + w + 1, 0));
export const ZM_LINE_BYTES = ZM_WIDTHS.reduce((a, b) => a + b, 0) + ZM_WIDTHS.length - 1 + 2;

/** Transaction codes in field #1 (sandbox choice; the real code table is in the ACP appendix). */
const TXN_CODE: Record<string, string> = { '01': 'S22', '04': 'S30', '31': 'S31' };
/** A Chinese value in #31, so readers must slice GBK bytes rather than characters (encoded once: it is on every line). */
const MERCHANT_NAME = '银联沙箱商户';
const NAME_BYTES = { gbk: iconv.encode(MERCHANT_NAME, 'gbk'), utf8: Buffer.from(MERCHANT_NAME, 'utf8') };

/** One transaction of the file, whether from the ledger, a discrepancy or a synthetic bill. */
export interface ZmTxn {
  txnType: string;
  txnSubType: string;
  merId: string;
  orderId: string;
  queryId: string;
  traceNo: string;
  amount: number;
  at: number;
  origQryId: string;
  origAt: number | null;
  /** Fen, positive when charged to the merchant; null: left blank (the sandbox charges none). */
  fee: number | null;
}

export function ledgerTxn(txn: TxnRow, orig: TxnRow | undefined): ZmTxn {
  return {
    txnType: txn.txn_type, txnSubType: txn.txn_sub_type, merId: txn.mer_id, orderId: txn.order_id, queryId: txn.query_id,
    traceNo: txn.trace_no ?? '000000', amount: txn.txn_amt, at: txn.completed_at ?? txn.created_at,
    origQryId: orig?.query_id ?? '', origAt: orig ? (orig.completed_at ?? orig.created_at) : null, fee: null,
  };
}

/** How a line is damaged (the bill faults that live inside records). */
export interface LineFaults {
  /** Text fields written in UTF-8 where UnionPay writes GBK. */
  utf8?: boolean;
  badAmount?: boolean;
  badDate?: boolean;
}

/** Left-aligned text padded with spaces, or right-aligned digits padded with zeros; cut to the width on a character boundary. */
function put(line: Buffer, field: number, text: string, utf8: boolean, right = false): void {
  const width = ZM_WIDTHS[field - 1] ?? 0;
  const start = OFFSETS[field - 1] ?? 0;
  if (!right && text.length <= width && /^[\x20-\x7e]*$/.test(text)) {
    // ASCII (every field but the name): written in place, no intermediate buffer.
    line.write(text, start, 'latin1');
    return;
  }
  let bytes = utf8 ? Buffer.from(text, 'utf8') : /^[\x20-\x7e]*$/.test(text) ? Buffer.from(text, 'latin1') : iconv.encode(text, 'gbk');
  while (bytes.length > width) {
    text = text.slice(0, -1);
    bytes = utf8 ? Buffer.from(text, 'utf8') : iconv.encode(text, 'gbk');
  }
  if (right) line.fill(0x30, start, start + width - bytes.length);
  bytes.copy(line, right ? start + width - bytes.length : start);
}

const feeText = (fee: number) => `${fee >= 0 ? 'D' : 'C'}${String(Math.abs(fee)).padStart(12, '0')}`;

export function zmLine(t: ZmTxn, faults: LineFaults = {}): Buffer {
  const line = Buffer.alloc(ZM_LINE_BYTES, 0x20);
  const utf8 = faults.utf8 === true;
  const text = (n: number, v: string) => put(line, n, v, utf8);
  const digits = (n: number, v: string) => put(line, n, v, utf8, true);
  text(1, TXN_CODE[t.txnType] ?? 'S22');
  text(2, '00000000');
  text(3, '00000000');
  text(4, t.traceNo);
  // #5 交易传输时间 MMDDhhmmss; bad_date: month 13.
  text(5, faults.badDate ? '1332250000' : cstStamp(t.at).slice(4));
  text(6, '6216********0000');
  if (faults.badAmount) text(7, '12.34');
  else digits(7, String(t.amount));
  text(8, '5311');
  text(9, '08');
  text(10, t.queryId);
  text(12, t.orderId);
  if (t.origAt !== null) text(15, cstStamp(t.origAt).slice(4));
  if (t.fee !== null) text(16, feeText(t.fee));
  digits(17, String(t.amount));
  text(20, t.txnType);
  text(21, t.txnSubType);
  text(22, '000000');
  text(27, t.origQryId);
  text(28, t.merId);
  (utf8 ? NAME_BYTES.utf8 : NAME_BYTES.gbk).copy(line, OFFSETS[30] ?? 0);
  line[ZM_LINE_BYTES - 2] = 0x0d;
  line[ZM_LINE_BYTES - 1] = 0x0a;
  return line;
}
