// The bytes of one trade bill, generated as a stream from a plan: the day's entries (a
// snapshot of the ledger, or N synthetic trades), the BillControls discrepancies applied to
// them, and at most one fault. Generation is deterministic, so the SHA1 handed out with the
// download_url is computed in a first pass and the download replays the same bytes: a bill
// of a million lines is never held in memory, not even gzipped.
import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import iconv from 'iconv-lite';
import type { BillDiscrepancy, BillFault } from '../common/bill-controls.js';
import { cstDateTime, yuan } from './format.js';

export const BILL_COLUMNS = [
  '交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识', '交易类型', '交易状态', '付款银行',
  '货币种类', '应结订单金额', '代金券金额', '微信退款单号', '商户退款单号', '退款金额', '充值券退款金额', '退款类型', '退款状态',
  '商品名称', '商户数据包', '手续费', '费率', '订单金额', '申请退款金额', '费率备注',
] as const;
export const SUMMARY_COLUMNS = ['总交易单数', '应结订单总金额', '退款总金额', '充值券退款总金额', '手续费总金额', '订单总金额', '申请退款总金额'] as const;

const FEE_RATE_PER_MILLE = 6;
/** Half-up on integer fen: fee = round(amount × 0.6%). */
export const feeOf = (fen: number): number => Math.floor((fen * FEE_RATE_PER_MILLE + 500) / 1000);

/** What a bill line is about; the bill's cells are derived from it. */
export interface Trade {
  at: number;
  appid: string;
  mchid: string;
  transactionId: string;
  outTradeNo: string;
  openid: string;
  description: string;
  attach: string;
}
export type Entry =
  | (Trade & { kind: 'payment'; total: number; fee: number; revoked: boolean })
  | (Trade & { kind: 'refund'; refundId: string; outRefundNo: string; amount: number; fee: number });

export type BillType = 'ALL' | 'SUCCESS' | 'REFUND';

export interface BillPlan {
  date: string;
  /** End of the bill day (epoch ms): added lines are booked just before it. */
  dayEnd: number;
  mchid: string;
  appid: string;
  type: BillType;
  gzip: boolean;
  fault: BillFault | undefined;
  discrepancies: readonly BillDiscrepancy[];
  /** The day's entries; called once per pass, so it must give the same entries every time. */
  entries: () => Iterable<Entry>;
  /** Trades a `refund` discrepancy names that are not on this bill (looked up when the plan was made). */
  trades: ReadonlyMap<string, Trade>;
}

/** Padding of the `oversize` fault: far past any real daily bill, streamed, never allocated. */
export const OVERSIZE_BYTES = 1024 * 1024 * 1024;
/** The `truncate` fault on a gzip bill withholds its end: the trailer and the last deflate bytes. */
const CUT_BYTES = 16;
const CHUNK_CHARS = 64 * 1024;

// A digit string from a seed: ids of added lines must be the same in both passes.
const digits = (seed: string, n: number): string => BigInt(`0x${createHash('sha1').update(seed).digest('hex')}`).toString().slice(0, n).padStart(n, '0');

/** The entries after the discrepancies: dropped, changed and added lines, summed as written. */
function* applied(plan: BillPlan): Generator<Entry> {
  const by = <K extends BillDiscrepancy['kind']>(kind: K) => plan.discrepancies.filter((d): d is Extract<BillDiscrepancy, { kind: K }> => d.kind === kind);
  const dropped = new Set([...by('drop_trade'), ...by('next_day')].map((d) => d.reference));
  const amounts = new Map(by('amount').map((d) => [d.reference, d.amount]));
  const fees = new Map(by('fee').map((d) => [d.reference, d.fee]));
  const revoked = new Set(by('status').map((d) => d.reference));
  const refunds = by('refund');
  const refunded = new Set(refunds.map((d) => d.reference));
  const seen = new Map<string, Trade>();
  for (const e of plan.entries()) {
    if (e.kind === 'refund') {
      yield e;
      continue;
    }
    if (dropped.has(e.outTradeNo)) continue;
    if (refunded.has(e.outTradeNo)) seen.set(e.outTradeNo, e);
    const total = amounts.get(e.outTradeNo) ?? e.total;
    yield { ...e, total, fee: fees.get(e.outTradeNo) ?? (total === e.total ? e.fee : feeOf(total)), revoked: e.revoked || revoked.has(e.outTradeNo) };
  }
  let added = 0;
  for (const d of refunds) {
    const t = seen.get(d.reference) ?? plan.trades.get(d.reference);
    const seed = `${plan.date}|refund|${added}|${d.reference}`;
    const trade = t ?? { at: 0, appid: plan.appid, mchid: plan.mchid, transactionId: '', outTradeNo: d.reference, openid: '', description: '', attach: '' };
    yield { ...trade, kind: 'refund', at: plan.dayEnd - 1000 * ++added, refundId: `50${digits(seed, 27)}`, outRefundNo: `sim${digits(seed, 20)}`, amount: d.amount, fee: -feeOf(d.amount) };
  }
  for (const d of by('unknown_trade')) {
    const seed = `${plan.date}|unknown|${added}`;
    const total = d.amount ?? 1234;
    yield {
      kind: 'payment', at: plan.dayEnd - 1000 * ++added, appid: plan.appid, mchid: plan.mchid, transactionId: `42${digits(seed, 26)}`,
      outTradeNo: `other${digits(seed, 16)}`, openid: '', description: 'other system', attach: '', total, fee: feeOf(total), revoked: false,
    };
  }
}

function cells(e: Entry): string[] {
  const head = [cstDateTime(e.at), e.appid, e.mchid, '0', '', e.transactionId, e.outTradeNo, e.openid, 'NATIVE'];
  if (e.kind === 'payment') {
    return [...head, e.revoked ? 'REVOKED' : 'SUCCESS', 'OTHERS', 'CNY', yuan(e.total), '0.00', '0', '0', '0.00', '0.00', '', '', e.description, e.attach, yuan(e.fee), '0.60%', yuan(e.total), '0.00', ''];
  }
  return [...head, 'REFUND', 'OTHERS', 'CNY', '0.00', '0.00', e.refundId, e.outRefundNo, yuan(e.amount), '0.00', 'ORIGINAL', 'SUCCESS', e.description, e.attach, yuan(e.fee), '0.60%', '0.00', yuan(e.amount), ''];
}

const dataLine = (c: readonly string[]): string => c.map((x) => `\`${x}`).join(',');

/** The bill's text, line by line (CRLF), with the text-level faults. */
export function* billLines(plan: BillPlan): Generator<string> {
  const header = plan.fault === 'header_changed' ? BILL_COLUMNS.map((c) => (c === '手续费' ? '服务费' : c)) : BILL_COLUMNS;
  yield `${header.join(',')}\r\n`;
  let count = 0, settled = 0, refunded = 0, fees = 0, ordered = 0;
  for (const e of applied(plan)) {
    if (plan.type === 'SUCCESS' && e.kind !== 'payment') continue;
    if (plan.type === 'REFUND' && e.kind !== 'refund') continue;
    const c = cells(e);
    if (count === 0 && plan.fault === 'bad_amount') c[12] = '88.8.8';
    if (count === 0 && plan.fault === 'bad_date') c[0] = '2026-13-45 25:61:00';
    count++;
    fees += e.fee;
    if (e.kind === 'payment') { settled += e.total; ordered += e.total; } else refunded += e.amount;
    yield `${dataLine(c)}\r\n`;
  }
  // A plain file cut short loses its end: the summary.
  if (plan.fault === 'truncate' && !plan.gzip) return;
  const reported = plan.fault === 'totals' ? settled + 1 : settled;
  yield `${SUMMARY_COLUMNS.join(',')}\r\n`;
  yield `${dataLine([String(count), yuan(reported), yuan(refunded), '0.00', yuan(fees), yuan(ordered), yuan(refunded)])}\r\n`;
}

/** Lines batched into chunks and encoded: UTF-8 with a BOM, or GBK without one for the `encoding` fault. */
function* encoded(plan: BillPlan): Generator<Buffer> {
  const gbk = plan.fault === 'encoding';
  let text = gbk ? '' : '\uFEFF';
  const out = (s: string) => (gbk ? iconv.encode(s, 'gbk') : Buffer.from(s, 'utf8'));
  for (const line of billLines(plan)) {
    text += line;
    if (text.length >= CHUNK_CHARS) { yield out(text); text = ''; }
  }
  if (text !== '') yield out(text);
}

async function* finished(body: AsyncIterable<Buffer>, plan: BillPlan): AsyncGenerator<Buffer> {
  const cut = plan.fault === 'truncate' && plan.gzip;
  let held = Buffer.alloc(0);
  for await (const chunk of body) {
    if (!cut) { yield chunk; continue; }
    held = Buffer.concat([held, chunk]);
    if (held.length > CUT_BYTES) { yield held.subarray(0, held.length - CUT_BYTES); held = held.subarray(held.length - CUT_BYTES); }
  }
  if (plan.fault === 'oversize') {
    const zeros = Buffer.alloc(1024 * 1024);
    for (let sent = 0; sent < OVERSIZE_BYTES; sent += zeros.length) yield zeros;
  }
}

/** One pass over the bill's bytes, exactly as downloaded. */
export function billBytes(plan: BillPlan): Readable {
  const text = Readable.from(encoded(plan), { objectMode: false });
  if (!plan.gzip) return Readable.from(finished(text, plan), { objectMode: false });
  // mtime 0 in the header (zlib's default) keeps the gzip bytes, and so the SHA1, the same in every pass.
  const gz = createGzip();
  pipeline(text, gz, () => undefined);
  return Readable.from(finished(gz, plan), { objectMode: false });
}

/** The SHA1 WeChat Pay signs for the file (a first generating pass; nothing kept). */
export async function billSha1(plan: BillPlan): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of billBytes(plan)) hash.update(chunk as Buffer);
  const hex = hash.digest('hex');
  // The `hash_mismatch` fault: the signed hash names other bytes than the download serves.
  return plan.fault === 'hash_mismatch' ? `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}` : hex;
}
