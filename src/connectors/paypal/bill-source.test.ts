import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillError, type BillRow } from '../bills.js';
import type { WireRequest } from '../types.js';
import { PAYPAL_SANDBOX_PREFIX, startPaypalSimulator } from '../../simulators/paypal/standalone.js';
import { DISCREPANCY_TRADES, DISCREPANCY_VIEW, discrepancyRun, faultOutcomes, testBillIo } from '../../test-support/card-bills.js';
import { buildToken, parseToken } from './auth.js';
import { billRowOf, EVENT_CODES } from './bill-rows.js';
import { paypalBills } from './bill-source.js';
import { buildCapture, buildCreateOrder, parseCapture, parseCreateOrder } from './orders.js';
import { buildRefund, parseRefund } from './refund.js';
import type { PaypalContext } from './request.js';

type Sim = Awaited<ReturnType<typeof startPaypalSimulator>>;
const today = () => new Date().toISOString().slice(0, 10);
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

async function send(req: WireRequest | { ok: false; message: string }) {
  if ('ok' in req) throw new Error(req.message);
  const res = await fetch(req.url, { method: req.method, headers: req.headers, ...(req.body !== undefined ? { body: req.body } : {}) });
  return { status: res.status, headers: {}, body: await res.text() };
}

async function collect(ctx: PaypalContext, day: string, io = testBillIo()): Promise<BillRow[]> {
  const out: BillRow[] = [];
  for await (const r of paypalBills.rows(io, ctx, day)) out.push(r);
  return out;
}
const failure = async (ctx: PaypalContext, day: string) => collect(ctx, day).then(() => undefined, (e: unknown) => (e instanceof BillError ? e.code : e));

describe('paypal bill (transaction search)', () => {
  let sim: Sim;
  const control = async (what: string, body: Record<string, unknown>) => {
    const r = await fetch(`${sim.url}${PAYPAL_SANDBOX_PREFIX}/_bills/${what}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status).toBe(201);
  };
  /** A new app with captured orders; returns reference → capture id. */
  async function app(payments: Array<[string, number, string]>) {
    const creds = sim.sim.registerApp();
    const base: PaypalContext = { credentials: { clientId: creds.client_id, clientSecret: creds.client_secret, webhookId: creds.webhook_id }, baseUrl: `${sim.url}${PAYPAL_SANDBOX_PREFIX}`, notifyUrl: 'http://gw.test/notify/paypal/a', now: new Date() };
    const token = parseToken(base, await send(buildToken(base)));
    if (!token.ok) throw new Error(token.message);
    const ctx = { ...base, accessToken: token.token };
    const captures = new Map<string, string>();
    for (const [reference, amount, currency] of payments) {
      const input = { reference, amount, currency, description: 'bill test', expiresAt: new Date(Date.now() + 3600_000), returnUrl: 'http://gw.test/pay/x/return' };
      const created = parseCreateOrder(ctx, input, await send(buildCreateOrder(ctx, input)));
      if (!created.ok) throw new Error(created.message);
      sim.sim.pay(created.providerOrderId!, 'success');
      const cap = parseCapture(ctx, { reference, providerOrderId: created.providerOrderId!, amount, currency }, await send(buildCapture(ctx, { reference, providerOrderId: created.providerOrderId!, amount, currency })));
      if (!cap.ok || !cap.providerTransactionId) throw new Error('capture failed');
      captures.set(reference, cap.providerTransactionId);
    }
    return { id: creds.client_id, ctx, captures };
  }

  beforeAll(async () => {
    sim = await startPaypalSimulator({ timeScale: 0.0001 });
  });
  afterAll(async () => sim?.close());

  it('lists captures and refunds with Paygate’s references, capture ids, fees; JPY in whole units', async () => {
    const a = await app([['pp_a', 2000, 'USD'], ['pp_b', 500, 'JPY']]);
    const input = { reference: 'pp_a', refundReference: 'prf_1', amount: 700, currency: 'USD', providerTransactionId: a.captures.get('pp_a')! };
    const refund = parseRefund(a.ctx, input, await send(buildRefund(a.ctx, input)));
    expect(refund.ok && refund.status).toBe('succeeded');
    const rows = await collect(a.ctx, today());
    expect(rows.map((r) => [r.kind, r.reference, r.providerTransactionId, r.amount, r.currency, r.fee, r.status, r.refundReference])).toEqual([
      ['payment', 'pp_a', a.captures.get('pp_a'), 2000, 'USD', 58, 'succeeded', null],
      ['payment', 'pp_b', a.captures.get('pp_b'), 500, 'JPY', 15, 'succeeded', null],
      ['refund', 'pp_a', a.captures.get('pp_a'), 700, 'USD', null, 'succeeded', 'prf_1'],
    ]);
    expect(rows[2]!.providerRefundId).toBe(refund.ok ? refund.providerRefundId : 'x');
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3]);
    expect(await collect(a.ctx, nextDay(today()))).toEqual([]);
  });

  it('splits a window PayPal finds too large (RESULTSET_TOO_LARGE) in halves and still lists every row once, in order', async () => {
    const a = await app([]);
    await control('synthetic', { account: a.id, date: '2026-11-29', rows: 50 });
    await control('synthetic', { account: a.id, date: '2026-11-28', rows: 100_000 });
    await control('search_limit', { max_results: 10 });
    try {
      const io = testBillIo();
      const rows = await collect(a.ctx, '2026-11-29', io);
      expect(rows.map((r) => r.reference)).toEqual(Array.from({ length: 50 }, (_, n) => `syn20261129${String(n).padStart(8, '0')}`));
      expect(rows.map((r) => r.line)).toEqual(Array.from({ length: 50 }, (_, n) => n + 1));
      const windows = io.sent.map((u) => new URL(u).searchParams);
      expect(windows.every((q) => q.get('fields') === 'all' && q.get('page_size') === '500' && q.get('page') === '1')).toBe(true);
      // The day, refused; its halves, refused; … until each window holds at most 10 rows.
      expect(windows[0]!.get('start_date')).toBe('2026-11-29T00:00:00.000Z');
      expect(windows[1]!.get('end_date')).toBe('2026-11-29T12:00:00.000Z');
      expect(windows.length).toBeGreaterThan(8);
      // More rows in one second than a window may hold: nothing left to split.
      await control('search_limit', { max_results: 1 });
      expect(await failure(a.ctx, '2026-11-28')).toBe('RECON.BILL_TOO_LARGE');
    } finally {
      await control('search_limit', { max_results: 10_000 });
    }
  });

  it('shows every discrepancy kind in the parsed rows, and next_day on the following bill', async () => {
    const a = await app(DISCREPANCY_TRADES);
    const day = today();
    const { view, next: tomorrow } = await discrepancyRun(a, day, (ref) => a.captures.get(ref), control, collect);
    expect(view).toEqual(DISCREPANCY_VIEW);
    expect(tomorrow.map((r) => [r.reference, r.providerTransactionId, r.amount, r.occurredAt])).toEqual([['d_late', a.captures.get('d_late'), 700, Date.parse(`${nextDay(day)}T00:00:01Z`)]]);
  });

  it('maps each applicable fault to its BillError code; no_bill is an empty bill', async () => {
    const day = today();
    const expected = { truncate: '2 RECON.BILL_TRUNCATED', totals: '2 RECON.BILL_TOTALS_MISMATCH', bad_amount: '2 RECON.BILL_ROW_INVALID', bad_date: '2 RECON.BILL_ROW_INVALID', no_bill: '2 0 rows' };
    expect(await faultOutcomes(Object.keys(expected), day, () => app([['f_1', 100, 'USD'], ['f_2', 200, 'USD']]), control, collect)).toEqual(expected);
    const a = await app([]);
    expect(await failure({ ...a.ctx, accessToken: 'expired' }, day)).toBe('RECON.BILL_UNAVAILABLE');
  });

  it('streams a synthetic day of 50,000 rows, split into windows and paged, with flat memory', async () => {
    const a = await app([]);
    const day = '2026-11-30';
    await control('synthetic', { account: a.id, date: day, rows: 50_000 });
    await control('discrepancies', { account: a.id, date: day, kind: 'drop_trade', reference: 'syn2026113000000003' });
    const io = testBillIo();
    let before = process.memoryUsage().rss;
    let peak = before;
    const started = Date.now();
    let count = 0;
    let sum = 0;
    let last = -1;
    for await (const r of paypalBills.rows(io, a.ctx, day)) {
      count++;
      sum += r.amount;
      // Windows are listed in order and each in time order: the synthetic index only grows.
      const n = Number(r.reference!.slice(11));
      expect(n).toBeGreaterThan(last);
      last = n;
      // Baseline once the first pages have warmed up the JIT and sockets: growth with rows is what must stay flat.
      if (count === 10_000) peak = before = process.memoryUsage().rss;
      if (count % 20_000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`paypal synthetic bill: ${count} rows in ${seconds.toFixed(1)} s (${Math.round(count / seconds)} rows/s), ${io.sent.length} requests, rss +${Math.round((peak - before) / 1e6)} MB`);
    expect(count).toBe(49_999);
    let expected = 0;
    for (let n = 0; n < 50_000; n++) if (n !== 3) expected += 100 + (n % 9900);
    expect(sum).toBe(expected);
    // 50,000 rows exceed the 10,000 a window may hold: the day was split into at least 5 windows.
    expect(new Set(io.sent.map((u) => new URL(u).searchParams.get('start_date'))).size).toBeGreaterThanOrEqual(5);
    expect(peak - before).toBeLessThan(100e6);
  }, 180_000);

  it('refuses unknown event codes and statuses by name (junk keys included); amounts by exponent', () => {
    const from = Date.parse('2026-12-01T00:00:00Z');
    const info = (code: unknown, status: unknown, value = '12.34', currency = 'USD') => ({
      transaction_id: 'TX1', transaction_event_code: code, transaction_status: status, transaction_initiation_date: '2026-12-01T10:00:00+0000',
      transaction_amount: { currency_code: currency, value: code === 'T1107' ? `-${value}` : value }, fee_amount: { currency_code: currency, value: '-0.50' }, invoice_id: 'ref1',
    });
    const outcome = (i: Record<string, unknown>) => {
      try {
        const r = billRowOf(i, 1, from, from + 86_400_000);
        return r ? `${r.kind} ${r.status} ${r.amount} ${r.fee}` : 'skipped';
      } catch (e) {
        return e instanceof BillError ? `${e.code} ${e.message.includes(JSON.stringify(i.transaction_event_code)) || e.message.includes(JSON.stringify(i.transaction_status))}` : String(e);
      }
    };
    for (const junk of ['junk', 'toString', '__proto__', 'constructor', 'T9999', '']) {
      expect(outcome(info(junk, 'S'))).toBe('RECON.BILL_ROW_INVALID true');
      expect(outcome(info('T0006', junk))).toBe('RECON.BILL_ROW_INVALID true');
    }
    expect(Object.keys(EVENT_CODES)).toContain('T1107');
    expect(outcome(info('T0006', 'S'))).toBe('payment succeeded 1234 50');
    expect(outcome(info('T0006', 'V'))).toBe('payment closed 1234 50');
    expect(outcome(info('T0006', 'F'))).toBe('payment succeeded 1234 50');
    expect(outcome(info('T1107', 'P'))).toBe('refund pending 1234 50');
    expect(outcome(info('T1106', 'S'))).toBe('skipped');
    expect(outcome({ ...info('T0006', 'S', '500', 'JPY'), fee_amount: { currency_code: 'JPY', value: '-15' } })).toBe('payment succeeded 500 15');
    expect(outcome({ ...info('T0006', 'S', '5.00', 'JPY'), fee_amount: undefined })).toMatch(/^RECON.BILL_ROW_INVALID/);
    expect(outcome(info('T0006', 'S', '12.345'))).toMatch(/^RECON.BILL_ROW_INVALID/);
    expect(outcome({ ...info('T0006', 'S'), transaction_initiation_date: '2026-12-01T25:61:00+0000' })).toMatch(/^RECON.BILL_ROW_INVALID/);
    expect(outcome({ ...info('T0006', 'S'), transaction_initiation_date: '2026-12-01T23:30:00-0100' })).toMatch(/^RECON.BILL_ROW_INVALID/);
  });
});
