/**
 * The rows of one app's trade bill for one GMT+8 day, before they become CSV text: from the
 * simulator's own ledger, or generated (a synthetic bill), then bent by the day's
 * BillControls discrepancies. Everything is an iterator so that a synthetic bill of
 * millions of rows is produced as it is written out, never held.
 */
import type { BillControls, BillDiscrepancy } from '../common/bill-controls.js';
import { syntheticTrade } from '../common/bill-controls.js';
import { DAY_MS } from './format.js';
import type { Store, TradeRow } from './store.js';

export interface BillEntry {
  type: '交易' | '退款';
  tradeNo: string;
  outTradeNo: string;
  subject: string;
  createdAt: number;
  finishedAt: number;
  buyer: string;
  /** Positive fen; written negative on 退款 rows. */
  fen: number;
  /** 退款 rows: out_request_no (empty when the money went back without one, as a cancel does). */
  refundNo: string;
  /** Service fee charged, positive fen; written as a negative 服务费 as Alipay does. */
  feeFen: number;
  remark: string;
}

function tradeEntry(t: TradeRow): BillEntry {
  return {
    type: '交易', tradeNo: t.trade_no ?? '', outTradeNo: t.out_trade_no, subject: t.subject, createdAt: t.scanned_at ?? t.created_at,
    finishedAt: t.paid_at ?? t.created_at, buyer: t.buyer_logon_id ?? '', fen: t.total_fen, refundNo: '', feeFen: 0, remark: t.body ?? '',
  };
}

/** The ledger's paid trades, then its refunds, of [from, from + 1 day). The ledger is small: plain arrays. */
export function* ledgerEntries(store: Store, appId: string, from: number): Generator<BillEntry> {
  for (const t of store.listTradesPaidBetween(appId, from, from + DAY_MS)) yield tradeEntry(t);
  for (const r of store.listRefundsBetween(appId, from, from + DAY_MS)) {
    yield { ...tradeEntry(r.trade), type: '退款', finishedAt: r.created_at, fen: r.amount_fen, refundNo: r.out_request_no, remark: r.reason ?? '' };
  }
}

function syntheticEntry(date: string, n: number, rows: number): BillEntry {
  const s = syntheticTrade(date, n, rows, 480);
  return {
    type: '交易', tradeNo: s.providerTransactionId, outTradeNo: s.reference, subject: '合成账单商品', createdAt: s.paidAt - 1000,
    finishedAt: s.paidAt, buyer: 'syn***@example.com', fen: s.amount, refundNo: '', feeFen: 0, remark: '',
  };
}

/** The synthetic bill's trades (common/bill-controls.ts syntheticTrade), one at a time. */
export function* syntheticEntries(date: string, rows: number): Generator<BillEntry> {
  for (let n = 0; n < rows; n++) yield syntheticEntry(date, n, rows);
}

/** A trade of the day before, moved here by a next_day discrepancy: from the ledger, or that day's synthetic bill. */
function movedTrade(d: DayDiscrepancies, reference: string): BillEntry | undefined {
  const t = d.store.getTradeByOutTradeNo(d.appId, reference);
  if (t !== undefined && t.paid_at !== null) return tradeEntry(t);
  const prev = new Date(d.from + 8 * 3600_000 - DAY_MS).toISOString().slice(0, 10);
  const rows = d.controls.synthetic(d.appId, prev);
  const n = Number(/^syn\d{8}(\d{8})$/.exec(reference)?.[1] ?? NaN);
  return rows !== undefined && n < rows ? syntheticEntry(prev, n, rows) : undefined;
}

export interface DayDiscrepancies {
  controls: BillControls;
  store: Store;
  appId: string;
  date: string;
  from: number;
}

const refundOf = (trade: BillEntry, fen: number, refundNo: string, at: number): BillEntry =>
  ({ ...trade, type: '退款', fen, refundNo, finishedAt: at, feeFen: 0, remark: '' });

/** A trade the rows refer to but that is not on this day's bill: from the ledger, else a placeholder with only the reference. */
function tradeFor(d: DayDiscrepancies, reference: string): BillEntry {
  const t = d.store.getTradeByOutTradeNo(d.appId, reference);
  if (t !== undefined) return tradeEntry(t);
  const noon = d.from + DAY_MS / 2;
  return { type: '交易', tradeNo: '', outTradeNo: reference, subject: '', createdAt: noon, finishedAt: noon, buyer: '', fen: 0, refundNo: '', feeFen: 0, remark: '' };
}

/**
 * `base` as the day's discrepancies say the provider booked it. A refund or status row goes
 * right after its trade, or at the end when the trade is not on this bill.
 */
export function* withDiscrepancies(base: Iterable<BillEntry>, d: DayDiscrepancies): Generator<BillEntry> {
  const list = d.controls.discrepancies(d.appId, d.date);
  const of = <K extends BillDiscrepancy['kind']>(kind: K) => list.filter((x): x is Extract<BillDiscrepancy, { kind: K }> => x.kind === kind);
  const gone = new Set([...of('drop_trade'), ...of('next_day')].map((x) => x.reference));
  const amounts = new Map(of('amount').map((x) => [x.reference, x.amount]));
  const fees = new Map(of('fee').map((x) => [x.reference, x.fee]));
  // Alipay lists only money that moved, so "not paid after all" shows as the whole amount going back with no refund request (a cancel).
  const pending = [...of('status').map((x) => ({ reference: x.reference, fen: undefined as number | undefined, no: '' })),
    ...of('refund').map((x, i) => ({ reference: x.reference, fen: x.amount as number | undefined, no: `SIMRF${d.date.replace(/-/g, '')}${i + 1}` }))];
  // A status row for a trade the simulator never saw has no amount to give back: nothing to list.
  const extras = (trade: BillEntry) => pending.filter((p) => p.reference === trade.outTradeNo && (p.fen ?? trade.fen) > 0)
    .map((p) => refundOf(trade, p.fen ?? trade.fen, p.no, trade.finishedAt));
  const done = new Set<string>();

  for (const e of base) {
    if (e.type !== '交易') { yield e; continue; }
    if (gone.has(e.outTradeNo)) continue;
    const trade = { ...e, fen: amounts.get(e.outTradeNo) ?? e.fen, feeFen: fees.get(e.outTradeNo) ?? e.feeFen };
    yield trade;
    if (pending.some((p) => p.reference === e.outTradeNo)) {
      done.add(e.outTradeNo);
      yield* extras(trade);
    }
  }
  for (const reference of d.controls.movedFromPreviousDay(d.appId, d.date)) {
    const moved = movedTrade(d, reference);
    if (moved !== undefined) yield moved;
  }
  for (const reference of new Set(pending.map((p) => p.reference))) {
    if (!done.has(reference)) yield* extras(tradeFor(d, reference)).map((r) => ({ ...r, finishedAt: d.from + DAY_MS / 2 }));
  }
  const compact = d.date.replace(/-/g, '');
  let n = 0;
  for (const u of of('unknown_trade')) {
    n++;
    const at = d.from + DAY_MS / 2 + n * 1000;
    yield {
      type: '交易', tradeNo: `${compact}22001999${String(n).padStart(8, '0')}`, outTradeNo: `OTHER${compact}${n}`, subject: '其他系统的交易',
      createdAt: at - 1000, finishedAt: at, buyer: 'oth***@example.com', fen: u.amount ?? 100, refundNo: '', feeFen: 0, remark: '',
    };
  }
}
