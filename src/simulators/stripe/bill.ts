// GET /v1/balance_transactions, the listing reconciliation reads as Stripe's bill. Without a
// created range inside one UTC day it is the plain ledger listing; with one, the day's bill
// controls apply (discrepancies, faults, a synthetic day). Either way newest first, paged
// by starting_after, data.source expanded on request.
import { BillControls } from '../common/bill-controls.js';
import type { SimContext } from './context.js';
import { invalid } from './errors.js';
import { paramList, paramString, type Params } from './form.js';
import { dayStart, editor, extraItems, ledgerItems, referenceOf, isPayment, syntheticItem, type Item } from './bill-items.js';
import { listObjects, pageOf, type Page } from './refunds.js';
import type { StripeObject } from './store.js';

const controlsOf = new WeakMap<SimContext, BillControls>();

/** The simulator's bill controls (one per simulator instance; the simulator mounts their routes). */
export function billControls(sim: SimContext): BillControls {
  let c = controlsOf.get(sim);
  if (!c) controlsOf.set(sim, (c = new BillControls()));
  return c;
}

/** The bill day a created range asks for: only a range inside one UTC day is a bill. */
function dayOf(page: Page): string | undefined {
  if (page.createdGte === undefined || page.createdLt === undefined) return undefined;
  const day = new Date(page.createdGte * 1000).toISOString().slice(0, 10);
  return page.createdLt * 1000 <= dayStart(day) + 86_400_000 ? day : undefined;
}

/** A listing by position, so a synthetic day of millions of rows is generated one page at a time. */
interface Sequence { length: number; at(i: number): Item | undefined; positionOf(id: string): number | undefined }

function daySequence(sim: SimContext, controls: BillControls, accountId: string, day: string, page: Page): Sequence {
  const edit = editor(controls, accountId, day);
  const rows = controls.synthetic(accountId, day);
  const from = dayStart(day);
  const inRange = (it: Item) => Number(it.txn.created) >= (page.createdGte ?? 0) && Number(it.txn.created) < (page.createdLt ?? Infinity);
  const ledger = rows === undefined ? ledgerItems(sim, accountId, from).filter(inRange) : [];
  const byRef = (ref: string): Item | undefined => {
    const n = rows !== undefined && ref.startsWith(`syn${day.replace(/-/g, '')}`) ? Number(ref.slice(11)) : NaN;
    if (rows !== undefined) return Number.isInteger(n) && n >= 0 && n < rows ? syntheticItem(day, n, rows) : undefined;
    return ledger.find((it) => isPayment(it) && referenceOf(it) === ref);
  };
  const extras = extraItems(sim, controls, accountId, day, byRef);
  const base = rows ?? ledger.length;
  const ids = new Map([...ledger, ...extras].map((it, i) => [it.txn.id, i < ledger.length ? i : base + i - ledger.length]));
  return {
    length: base + extras.length,
    // Newest first: the synthetic day's last trade is position 0.
    at: (i) => edit(i < base ? (rows !== undefined ? syntheticItem(day, rows - 1 - i, rows) : ledger[i] as Item) : extras[i - base] as Item),
    positionOf: (id) => {
      const m = rows !== undefined ? /^txn_syn\d{8}(\d{8})$/.exec(id) : null;
      return m ? rows! - 1 - Number(m[1]) : ids.get(id);
    },
  };
}

function corrupt(txn: StripeObject, fault: string | undefined): StripeObject {
  if (fault === 'bad_amount') return { ...txn, amount: '12,34' };
  if (fault === 'bad_date') return { ...txn, created: '2026-13-45T25:61:00Z' };
  return txn;
}

function billPage(sim: SimContext, accountId: string, day: string, page: Page, type: string | undefined, expand: boolean) {
  const controls = billControls(sim);
  const fault = controls.fault(accountId, day);
  const list = (data: StripeObject[], hasMore: boolean) => ({ object: 'list', data, has_more: hasMore, url: '/v1/balance_transactions' });
  if (fault === 'no_bill') return list([], false);
  const seq = daySequence(sim, controls, accountId, day, page);
  let i = 0;
  if (page.startingAfter) {
    const p = seq.positionOf(page.startingAfter);
    if (p === undefined) throw invalid(`No such balance transaction: '${page.startingAfter}'`, 'starting_after', 'resource_missing');
    i = p + 1;
  }
  const data: StripeObject[] = [];
  let more = false;
  for (; i < seq.length; i++) {
    const it = seq.at(i);
    if (!it || (type && it.txn.type !== type)) continue;
    if (data.length === page.limit) {
      more = true;
      break;
    }
    // The bad row is the bill's first one, whichever page asks for it.
    const txn = i === 0 ? corrupt(it.txn, fault) : it.txn;
    data.push(expand && it.source ? { ...txn, source: it.source } : txn);
  }
  // Truncated: every page promises more, so the one after the last comes back empty.
  return list(data, more || fault === 'truncate');
}

export function listBalanceTransactions(sim: SimContext, accountId: string, params: Params) {
  const page = pageOf(params);
  const type = paramString(params, 'type');
  const expand = (paramList(params, 'expand') ?? []).includes('data.source');
  const day = dayOf(page);
  if (day !== undefined) return billPage(sim, accountId, day, page, type, expand);
  const plain = listObjects(sim, accountId, 'balance_transaction', page, '/v1/balance_transactions', (t) => !type || t.type === type);
  if (!expand) return plain;
  return { ...plain, data: plain.data.map((t) => (typeof t.source === 'string' ? { ...t, source: sim.store.get(t.source)?.object ?? t.source } : t)) };
}
