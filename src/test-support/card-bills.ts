/**
 * What the bill tests of the JSON-API bills (Stripe, PayPal) share: the every-discrepancy
 * scenario, the fault outcomes, and the test BillIo (test-support/bill-io.ts).
 */
import { BillError, type BillRow } from '../connectors/bills.js';

export { testBillIo, type TestBillIo } from './bill-io.js';

/** The trades of the every-discrepancy scenario both JSON-API bill tests run: [reference, amount, currency]. */
export const DISCREPANCY_TRADES: Array<[string, number, string]> = [
  ['d_drop', 100, 'USD'], ['d_amount', 200, 'USD'], ['d_cur', 300, 'USD'], ['d_status', 400, 'USD'],
  ['d_refund', 500, 'USD'], ['d_fee', 600, 'USD'], ['d_late', 700, 'USD'], ['d_same', 800, 'USD'],
];

/** One discrepancy of every kind on those trades, for `post` to send to POST /_bills/discrepancies. */
export const EVERY_DISCREPANCY: Array<Record<string, unknown>> = [
  { kind: 'unknown_trade', amount: 4321 },
  { kind: 'drop_trade', reference: 'd_drop' },
  { kind: 'amount', reference: 'd_amount', amount: 250 },
  { kind: 'currency', reference: 'd_cur', currency: 'EUR' },
  { kind: 'status', reference: 'd_status' },
  { kind: 'refund', reference: 'd_refund', amount: 120 },
  { kind: 'fee', reference: 'd_fee', fee: 1 },
  { kind: 'next_day', reference: 'd_late' },
];

/**
 * What the parsed rows of that day show, per trade (payment rows: amount currency fee status;
 * "-" when absent), plus the refund rows — compared by each test with DISCREPANCY_VIEW.
 */
export function discrepancyView(rows: readonly BillRow[], txn: (reference: string) => string | undefined) {
  const pay = (ref: string | null) => rows.filter((r) => r.kind === 'payment' && r.reference === ref).map((r) => `${r.amount} ${r.currency} ${r.fee ?? '-'} ${r.status}`);
  return {
    unknown: pay(null),
    ...Object.fromEntries(DISCREPANCY_TRADES.map(([ref]) => [ref, pay(ref)])),
    refunds: rows.filter((r) => r.kind === 'refund').map((r) => [r.reference, r.providerTransactionId === txn(r.reference ?? '') ? 'the trade' : r.providerTransactionId, r.amount, r.status]),
  };
}

/** The view expected from EVERY_DISCREPANCY with a 2.9 % fee (rounded half up). */
export const DISCREPANCY_VIEW = {
  unknown: ['4321 USD 125 succeeded'],
  d_drop: [], d_late: [],
  d_amount: ['250 USD 6 succeeded'],
  d_cur: ['300 EUR 9 succeeded'],
  d_status: ['400 USD 12 closed'],
  d_refund: ['500 USD 15 succeeded'],
  d_fee: ['600 USD 1 succeeded'],
  d_same: ['800 USD 23 succeeded'],
  refunds: [['d_refund', 'the trade', 120, 'succeeded']],
};

/**
 * Each fault set on a fresh account of two trades (`fresh`): "<rows before> <BillError code, or
 * the rows listed when none>" per fault, for the test to compare with the codes it expects.
 */
export async function faultOutcomes<C>(
  faults: readonly string[], day: string,
  fresh: () => Promise<{ id: string; ctx: C }>,
  control: (what: string, body: Record<string, unknown>) => Promise<void>,
  rows: (ctx: C, day: string) => Promise<BillRow[]>,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const fault of faults) {
    const a = await fresh();
    const before = (await rows(a.ctx, day)).length;
    await control('faults', { account: a.id, date: day, fault });
    const after = await rows(a.ctx, day).then((r) => `${r.length} rows`, (e: unknown) => (e instanceof BillError ? e.code : String(e)));
    out[fault] = `${before} ${after}`;
  }
  return out;
}

/** Sends EVERY_DISCREPANCY for `day` on account `a`; returns that day's view and the next day's rows (where next_day lands). */
export async function discrepancyRun<C>(
  a: { id: string; ctx: C }, day: string, txn: (reference: string) => string | undefined,
  control: (what: string, body: Record<string, unknown>) => Promise<void>,
  rows: (ctx: C, day: string) => Promise<BillRow[]>,
): Promise<{ view: ReturnType<typeof discrepancyView>; next: BillRow[] }> {
  for (const d of EVERY_DISCREPANCY) await control('discrepancies', { account: a.id, date: day, ...d });
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return { view: discrepancyView(await rows(a.ctx, day), txn), next: await rows(a.ctx, next) };
}
