// What one merchant's ZM file of one day lists: the ledger's settled transactions, changed
// by the day's BillControls (discrepancies), plus a synthetic bill's generated trades. A
// generator of records, so a synthetic bill of millions never exists as an array.
import { syntheticTrade, type BillControls, type BillDiscrepancy } from '../common/bill-controls.js';
import type { SimContext } from './context.js';
import { createHash } from 'node:crypto';
import { cstStamp } from './format.js';
import { ledgerTxn, type ZmTxn } from './zm-lines.js';

export const BILL_OFFSET_MINUTES = 480;

/**
 * A discrepancy names the trade by the reference Paygate sent (attempts.provider_reference,
 * `att_<26>`) or by the orderId itself: UnionPay's orderId is the part after the prefix.
 */
export const orderIdOfReference = (reference: string) => reference.replace(/^[a-z]+_/, '');

/** A synthetic trade's queryId: UnionPay's field #10 holds 21 digits, syntheticTrade's id has 24: its last 21. */
export const syntheticQueryId = (providerTransactionId: string) => providerTransactionId.slice(-21);

/**
 * Ids of the rows a discrepancy adds, derived from what they are about: the bill of a day is
 * the same however often it is fetched (as a real one is), so a re-run sees the same rows.
 */
function stableQueryId(at: number, seed: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(seed).digest('hex').slice(0, 15)}`).toString().padStart(7, '0').slice(-7);
  return `${cstStamp(at)}${digits}`;
}
const stableTraceNo = (seed: string) => String(parseInt(createHash('sha256').update(`trace${seed}`).digest('hex').slice(0, 8), 16) % 1_000_000).padStart(6, '0');

export interface BillPlan {
  /** False when the day has nothing to list (the gateway answers 98). */
  any: boolean;
  txns: () => Generator<ZmTxn>;
}

/** The discrepancies of one day, indexed by orderId. */
function byOrderId(list: readonly BillDiscrepancy[]): Map<string, BillDiscrepancy[]> {
  const out = new Map<string, BillDiscrepancy[]>();
  for (const d of list) {
    if (!('reference' in d)) continue;
    const key = orderIdOfReference(d.reference);
    out.set(key, [...(out.get(key) ?? []), d]);
  }
  return out;
}

/** A consume as the day's discrepancies list it: nothing (dropped / moved), changed, or followed by an undo or a refund. */
function* applied(t: ZmTxn, ds: readonly BillDiscrepancy[] | undefined): Generator<ZmTxn> {
  if (t.txnType !== '01' || ds === undefined) {
    yield t;
    return;
  }
  if (ds.some((d) => d.kind === 'drop_trade' || d.kind === 'next_day')) return;
  let out = t;
  for (const d of ds) {
    if (d.kind === 'amount') out = { ...out, amount: d.amount };
    if (d.kind === 'fee') out = { ...out, fee: d.fee };
  }
  yield out;
  const after = (n: number) => out.at + n * 1000;
  for (const d of ds) {
    // The trade listed as not kept: UnionPay shows that as a consume undo (31) of it.
    if (d.kind === 'status') yield { ...out, txnType: '31', txnSubType: '00', orderId: `${out.orderId}U`, queryId: stableQueryId(after(1), `${out.queryId}U`), traceNo: stableTraceNo(`${out.queryId}U`), origQryId: out.queryId, origAt: out.at, at: after(1), fee: null };
    if (d.kind === 'refund') yield { ...out, txnType: '04', txnSubType: '00', orderId: `${out.orderId}R`.slice(0, 32), queryId: stableQueryId(after(2), `${out.queryId}R`), traceNo: stableTraceNo(`${out.queryId}R`), amount: d.amount, origQryId: out.queryId, origAt: out.at, at: after(2), fee: null };
    // currency: a ZM file has no currency field (QR settles CNY only); the kind changes nothing here.
  }
}

/** Consumes of the previous day that a next_day discrepancy moves onto this day. */
function movedIn(sim: SimContext, bills: BillControls, merId: string, date: string): ZmTxn[] {
  return bills.movedFromPreviousDay(merId, date).flatMap((reference) => {
    const consume = sim.store.findConsume(merId, orderIdOfReference(reference));
    return consume && consume.status !== 'open' && consume.status !== 'closed' && consume.status !== 'failed' ? [ledgerTxn(consume, undefined)] : [];
  });
}

function unknownTrade(merId: string, date: string, n: number, amount: number): ZmTxn {
  const from = Date.parse(`${date}T00:00:00Z`) - BILL_OFFSET_MINUTES * 60_000;
  return {
    txnType: '01', txnSubType: '07', merId, orderId: `EXT${date.replace(/-/g, '')}${String(n).padStart(6, '0')}`, queryId: stableQueryId(from, `${merId}${date}${n}`), traceNo: stableTraceNo(`${merId}${date}${n}`),
    amount, at: from + 12 * 3600_000 + n * 1000, origQryId: '', origAt: null, fee: null,
  };
}

function* synthetic(merId: string, date: string, rows: number): Generator<ZmTxn> {
  for (let n = 0; n < rows; n++) {
    const t = syntheticTrade(date, n, rows, BILL_OFFSET_MINUTES);
    yield {
      txnType: '01', txnSubType: '07', merId, orderId: t.reference, queryId: syntheticQueryId(t.providerTransactionId),
      traceNo: String(n % 1_000_000).padStart(6, '0'), amount: t.amount, at: t.paidAt, origQryId: '', origAt: null, fee: null,
    };
  }
}

export function billPlan(sim: SimContext, bills: BillControls, merId: string, date: string, settleDate: string): BillPlan {
  const ledger = sim.store.listSettled(merId, settleDate);
  const moved = movedIn(sim, bills, merId, date);
  const discrepancies = bills.discrepancies(merId, date);
  const unknown = discrepancies.flatMap((d) => (d.kind === 'unknown_trade' ? [d.amount ?? 1000] : []));
  const rows = bills.synthetic(merId, date) ?? 0;
  const index = byOrderId(discrepancies);
  return {
    any: ledger.length + moved.length + unknown.length + rows > 0,
    txns: function* () {
      for (const row of ledger) {
        const t = ledgerTxn(row, row.orig_id === null ? undefined : sim.store.getTxn(row.orig_id));
        yield* applied(t, index.get(t.orderId));
      }
      yield* moved;
      for (const [n, amount] of unknown.entries()) yield unknownTrade(merId, date, n, amount);
      for (const t of synthetic(merId, date, rows)) yield* applied(t, index.get(t.orderId));
    },
  };
}
