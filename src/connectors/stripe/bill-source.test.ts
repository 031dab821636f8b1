import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillError, type BillRow } from '../bills.js';
import type { CreateInput } from '../types.js';
import { startStripeSimulator } from '../../simulators/stripe/standalone.js';
import { billRowOf } from './bill-rows.js';
import { stripeBills } from './bill-source.js';
import { DISCREPANCY_TRADES, DISCREPANCY_VIEW, discrepancyRun, faultOutcomes, testBillIo } from '../../test-support/card-bills.js';
import type { StripeContext } from './http.js';
import { stripeConnector } from './index.js';

type Sim = Awaited<ReturnType<typeof startStripeSimulator>>;
const today = () => new Date().toISOString().slice(0, 10);
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

async function collect(ctx: StripeContext, day: string): Promise<BillRow[]> {
  const out: BillRow[] = [];
  for await (const r of stripeBills.rows(testBillIo(), ctx, day)) out.push(r);
  return out;
}
const failure = async (ctx: StripeContext, day: string) => collect(ctx, day).then(() => undefined, (e: unknown) => (e instanceof BillError ? e.code : e));

describe('stripe bill (balance transactions)', () => {
  let sim: Sim;
  const control = async (what: string, body: Record<string, unknown>) => {
    const r = await fetch(`${sim.url}/_bills/${what}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status).toBe(201);
  };
  /** A new account with paid Checkout payments (reference → PaymentIntent id) and one refund of the first. */
  async function account(payments: Array<[string, number, string]>) {
    const acct = sim.sim.registerAccount();
    const ctx: StripeContext = { credentials: { secretKey: acct.secret_key, webhookSecret: acct.webhook_secret }, baseUrl: sim.url, notifyUrl: 'http://gw.test/notify/stripe/a', now: new Date() };
    const intents = new Map<string, string>();
    for (const [reference, amount, currency] of payments) {
      const input: CreateInput = { reference, amount, currency, description: 'bill test', expiresAt: new Date(Date.now() + 3600_000), returnUrl: 'http://gw.test/pay/x/return' };
      const req = stripeConnector.create.build(ctx, input);
      if ('ok' in req) throw new Error(req.message);
      const created = (await (await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body ?? '' })).json()) as { id: string };
      intents.set(reference, String(sim.sim.pay(created.id, 'success').payment_intent?.id));
    }
    return { id: acct.account_id, ctx, intents };
  }
  const refund = async (ctx: StripeContext, pi: string, reference: string, refundReference: string, amount: number) => {
    const req = stripeConnector.refund.build(ctx, { reference, refundReference, providerTransactionId: pi, amount, currency: 'USD' } as never);
    if ('ok' in req) throw new Error(req.message);
    const r = (await (await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body ?? '' })).json()) as { id: string };
    return r.id;
  };

  beforeAll(async () => {
    sim = await startStripeSimulator({ timeScale: 0.0001 });
  });
  afterAll(async () => sim?.close());

  it('lists the day’s charges and refunds with Paygate’s references, the PaymentIntent ids and fees; the stripe package sees the same', async () => {
    const a = await account([['ord_a', 2000, 'USD'], ['ord_b', 500, 'JPY'], ['ord_c', 1999, 'USD']]);
    const reId = await refund(a.ctx, a.intents.get('ord_a')!, 'ord_a', 'rf_a1', 700);
    // A dispute moves money as an adjustment: listed by Stripe, skipped by the bill.
    const dp = await fetch(`${sim.url}/_dashboard/disputes`, { method: 'POST', headers: { authorization: `Bearer ${a.ctx.credentials.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' }, body: `payment_intent=${a.intents.get('ord_c')}` });
    expect(dp.status).toBe(200);
    const rows = await collect(a.ctx, today());
    const payments = rows.filter((r) => r.kind === 'payment').sort((x, y) => String(x.reference).localeCompare(String(y.reference)));
    expect(payments.map((r) => [r.reference, r.providerTransactionId, r.amount, r.currency, r.fee, r.status])).toEqual([
      ['ord_a', a.intents.get('ord_a'), 2000, 'USD', 58, 'succeeded'],
      ['ord_b', a.intents.get('ord_b'), 500, 'JPY', 15, 'succeeded'],
      ['ord_c', a.intents.get('ord_c'), 1999, 'USD', 58, 'succeeded'],
    ]);
    expect(rows.filter((r) => r.kind === 'refund')).toEqual([expect.objectContaining({
      reference: 'ord_a', refundReference: 'rf_a1', providerRefundId: reId, providerTransactionId: a.intents.get('ord_a'), amount: 700, currency: 'USD', fee: 0, status: 'succeeded',
    })]);
    // Item numbers over the listing: the skipped adjustment takes one too, so 5 items give 4 rows.
    expect(rows.every((r) => r.line >= 1 && r.line <= 5)).toBe(true);
    expect(new Set(rows.map((r) => r.line)).size).toBe(4);
    expect(rows.every((r) => Math.abs(r.occurredAt - Date.now()) < 600_000)).toBe(true);
    expect(await collect(a.ctx, nextDay(today()))).toEqual([]);

    // Oracle: stripe-node's own pagination over the same range (2 a page, so it pages).
    const port = Number(new URL(sim.url).port);
    const client = new Stripe(a.ctx.credentials.secretKey, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });
    const from = Date.parse(`${today()}T00:00:00Z`) / 1000;
    const listed = await client.balanceTransactions.list({ created: { gte: from, lt: from + 86_400 }, limit: 2, expand: ['data.source'] }).autoPagingToArray({ limit: 100 });
    const view = (type: string) => listed.filter((t) => t.type === type).map((t) => [(t.source as { payment_intent?: unknown }).payment_intent, Math.abs(t.amount), t.fee]).sort();
    expect(view('charge')).toEqual(payments.map((r) => [r.providerTransactionId, r.amount, r.fee]).sort());
    expect(view('refund')).toEqual(rows.filter((r) => r.kind === 'refund').map((r) => [r.providerTransactionId, r.amount, r.fee]));
    expect(listed.filter((t) => t.type === 'adjustment')).toHaveLength(1);
  });

  it('shows every discrepancy kind in the parsed rows, and next_day on the following bill', async () => {
    const a = await account(DISCREPANCY_TRADES);
    const day = today();
    const { view, next: tomorrow } = await discrepancyRun(a, day, (ref) => a.intents.get(ref), control, collect);
    expect(view).toEqual(DISCREPANCY_VIEW);
    expect(tomorrow.map((r) => [r.reference, r.providerTransactionId, r.amount])).toEqual([['d_late', a.intents.get('d_late'), 700]]);
    expect(tomorrow[0]!.occurredAt).toBe(Date.parse(`${nextDay(day)}T00:00:01Z`));
  });

  it('maps each applicable fault to its BillError code; no_bill is an empty bill', async () => {
    const day = today();
    const expected = { truncate: '2 RECON.BILL_TRUNCATED', bad_amount: '2 RECON.BILL_ROW_INVALID', bad_date: '2 RECON.BILL_ROW_INVALID', no_bill: '2 0 rows' };
    expect(await faultOutcomes(Object.keys(expected), day, () => account([['f_1', 100, 'USD'], ['f_2', 200, 'USD']]), control, collect)).toEqual(expected);
    const a = await account([]);
    expect(await failure({ ...a.ctx, credentials: { ...a.ctx.credentials, secretKey: 'sk_test_wrongwrong' } }, day)).toBe('RECON.BILL_UNAVAILABLE');
  });

  it('streams a synthetic day of 50,000 rows page by page with flat memory', async () => {
    const a = await account([]);
    const day = '2026-11-30';
    await control('synthetic', { account: a.id, date: day, rows: 50_000 });
    await control('discrepancies', { account: a.id, date: day, kind: 'amount', reference: 'syn2026113000000007', amount: 1 });
    const io = testBillIo();
    // The baseline is taken once the first pages have warmed up the JIT, sockets and buffers:
    // what must stay flat is the growth with the number of rows.
    let before = process.memoryUsage().rss;
    const started = Date.now();
    let count = 0;
    let sum = 0;
    const refs = new Set<string>();
    let peak = before;
    for await (const r of stripeBills.rows(io, a.ctx, day)) {
      count++;
      sum += r.amount;
      if (r.reference === 'syn2026113000000007' || r.reference === 'syn2026113000049999') refs.add(`${r.reference}:${r.amount}:${r.providerTransactionId}`);
      if (count === 10_000) peak = before = process.memoryUsage().rss;
      if (count % 20_000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`stripe synthetic bill: ${count} rows in ${seconds.toFixed(1)} s (${Math.round(count / seconds)} rows/s), ${io.sent.length} pages, rss +${Math.round((peak - before) / 1e6)} MB`);
    expect(count).toBe(50_000);
    expect(io.sent).toHaveLength(500);
    expect(refs).toEqual(new Set(['syn2026113000000007:1:2026113022001' + '00000000007', 'syn2026113000049999:599:2026113022001' + '00000049999']));
    let expected = 0;
    for (let n = 0; n < 50_000; n++) expected += n === 7 ? 1 : 100 + (n % 9900);
    expect(sum).toBe(expected);
    expect(peak - before).toBeLessThan(100e6);
  }, 120_000);

  it('refuses unknown balance types and statuses by name (junk keys included)', () => {
    const from = Date.parse('2026-12-01T00:00:00Z');
    const txn = (type: unknown, status: unknown) => ({ id: 'txn_1', type, amount: type === 'refund' ? -100 : 100, fee: 0, currency: 'usd', created: from / 1000 + 5, exchange_rate: null, source: { id: 'ch_1', status, payment_intent: 'pi_1', amount: 100, currency: 'usd', metadata: {} } });
    const code = (t: unknown, s: unknown) => {
      try {
        return billRowOf(txn(t, s), 1, from, from + 86_400_000)?.status ?? 'skipped';
      } catch (e) {
        return e instanceof BillError ? `${e.code} ${e.message.includes(JSON.stringify(t)) || e.message.includes(JSON.stringify(s))}` : String(e);
      }
    };
    for (const junk of ['junk', 'toString', '__proto__', 'constructor', '']) {
      expect(code(junk, 'succeeded')).toBe('RECON.BILL_ROW_INVALID true');
      expect(code('charge', junk)).toBe('RECON.BILL_ROW_INVALID true');
      expect(code('refund', junk)).toBe('RECON.BILL_ROW_INVALID true');
    }
    expect(code('payout', 'whatever')).toBe('skipped');
    expect(code('charge', 'failed')).toBe('closed');
    expect(code('refund', 'canceled')).toBe('closed');
    // Outside the day asked for, or not expanded: not a row of this bill.
    expect(() => billRowOf({ ...txn('charge', 'succeeded'), created: from / 1000 - 1 }, 1, from, from + 86_400_000)).toThrow(/inside the requested day/);
    expect(() => billRowOf({ ...txn('charge', 'succeeded'), source: 'ch_1' }, 1, from, from + 86_400_000)).toThrow(/not expanded/);
  });
});
