/**
 * alipayBills against the simulator: real bill zips through the real routes (URL query,
 * download, POST /_bills/…), every discrepancy kind visible in the parsed rows, every fault
 * the Alipay format can have as its BillError code, and a synthetic bill of 50,000 rows
 * parsed in flat memory. The BillIo here is the minimal one the port describes (fetch, a
 * temp file with a size cap); the app's real one runs the resilience policy around it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticTrade, type BillDiscrepancy, type BillFault } from '../../simulators/common/bill-controls.js';
import { startAlipaySimulator, type AlipaySimulator } from '../../simulators/alipay/index.js';
import { testBillIo } from '../../test-support/bill-io.js';
import { sent } from '../../test-support/wire.js';
import { BillError, type BillRow } from '../bills.js';
import type { ConnectorContext, WireRequest, WireResponse } from '../types.js';
import { alipayBills } from './bill-source.js';
import { alipayConnector, type AlipayCredentials } from './index.js';

/** The simulator on an ephemeral port, and a folder for the downloaded bills. */
const env = { url: '', sim: undefined as unknown as AlipaySimulator, tmp: '', close: async () => {} };
beforeAll(async () => Object.assign(env, await startAlipaySimulator({ port: 0, timeScale: 0.001 }), { tmp: await mkdtemp(path.join(os.tmpdir(), 'alipay-bill-')) }));
afterAll(async () => {
  await env.close();
  await rm(env.tmp, { recursive: true, force: true });
});

async function send(req: WireRequest): Promise<WireResponse> {
  const res = await fetch(req.url, { method: req.method, headers: req.headers, ...(req.body === undefined ? {} : { body: req.body }) });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

/** The shared test BillIo (test-support/bill-io.ts), downloads refused past `cap` bytes. */
const testIo = (cap = 64 * 1024 * 1024) => testBillIo({ capBytes: cap });

interface Merchant { ctx: ConnectorContext<AlipayCredentials>; appId: string }

function merchant(): Merchant {
  const app = env.sim.registerApp();
  return { appId: app.app_id, ctx: { credentials: alipayConnector.parseCredentials(app), baseUrl: `${env.url}/sandbox/alipay`, notifyUrl: 'http://127.0.0.1:9/n', now: new Date() } };
}

/** A trade created through the connector as Paygate would, then paid by the simulated buyer. */
async function paidTrade(m: Merchant, amount: number): Promise<{ reference: string; tradeNo: string; paidAt: number }> {
  const reference = `pay_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
  const input = { reference, amount, currency: 'CNY', description: '账单 测试', expiresAt: new Date(Date.now() + 900_000) };
  expect(alipayConnector.create.parse(m.ctx, input, await send(sent(alipayConnector.create.build({ ...m.ctx, now: new Date() }, input)))).ok).toBe(true);
  const paid = await env.sim.pay(reference, 'success');
  return { reference, tradeNo: paid.trade_no ?? '', paidAt: Date.parse(`${(paid.send_pay_date ?? '').replace(' ', 'T')}+08:00`) };
}

async function refund(m: Merchant, reference: string, refundReference: string, amount: number): Promise<void> {
  const input = { reference, refundReference, amount, currency: 'CNY' };
  expect(alipayConnector.refund.parse(m.ctx, input, await send(sent(alipayConnector.refund.build({ ...m.ctx, now: new Date() }, input)))).ok).toBe(true);
}

async function control(route: 'discrepancies' | 'faults' | 'synthetic', body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${env.url}/sandbox/alipay/_bills/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
}

const gmt8Day = (offsetDays = 0) => new Date(Date.now() + 8 * 3600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);

async function collect(m: Merchant, day = gmt8Day(), io = testIo()): Promise<BillRow[]> {
  const rows: BillRow[] = [];
  for await (const row of alipayBills.rows(io, m.ctx, day)) rows.push(row);
  return rows;
}

async function failure(m: Merchant, io = testIo(), day = gmt8Day()): Promise<BillError> {
  const err = await collect(m, day, io).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(BillError);
  return err as BillError;
}

describe('alipayBills: the day of the simulator ledger', () => {
  it('lists the paid trade and its refund as Paygate knows them, with the provider ids its query returns', async () => {
    const m = merchant();
    const t = await paidTrade(m, 6660);
    await refund(m, t.reference, 'rf_bill_1', 660);
    const io = testIo();
    const rows = await collect(m, gmt8Day(), io);
    expect(io.calls).toEqual(['alipay.data.dataservice.bill.downloadurl.query']);

    const query = alipayConnector.query.parse(m.ctx, t.reference, 'CNY', await send(sent(alipayConnector.query.build(m.ctx, t.reference))));
    expect(query.ok && query.providerTransactionId).toBe(t.tradeNo);
    expect(rows).toEqual([
      { line: 6, kind: 'payment', reference: t.reference, providerTransactionId: t.tradeNo, refundReference: null, providerRefundId: null, status: 'succeeded', amount: 6660, currency: 'CNY', fee: 0, occurredAt: t.paidAt },
      { line: 7, kind: 'refund', reference: t.reference, providerTransactionId: t.tradeNo, refundReference: 'rf_bill_1', providerRefundId: null, status: 'succeeded', amount: 660, currency: 'CNY', fee: 0, occurredAt: expect.any(Number) },
    ]);
    expect(rows[1]!.occurredAt).toBeGreaterThanOrEqual(t.paidAt);
  });

  it('a day without a bill (isp.bill_not_exist) is no rows, not an error', async () => {
    const m = merchant();
    const io = testIo();
    expect(await collect(m, gmt8Day(2), io)).toEqual([]);
    expect(io.downloads).toBe(0);
  });

  it('asks for a new URL once when the first has expired', async () => {
    const m = merchant();
    const t = await paidTrade(m, 100);
    const io = testIo();
    const download = io.download.bind(io);
    let first = true;
    // The first download starts after the URL's 30 s: the bill host's 410 for an expired URL.
    io.download = async (req) => {
      if (!first) return download(req);
      first = false;
      return { status: 410, headers: {}, path: path.join(env.tmp, 'none'), bytes: 0 };
    };
    const rows = await collect(m, gmt8Day(), io);
    expect(rows.map((r) => r.reference)).toEqual([t.reference]);
    expect(io.calls).toHaveLength(2);
  });
});

describe('alipayBills: BillControls discrepancies show in the rows', () => {
  async function withDiscrepancy(make: (refs: string[]) => Omit<BillDiscrepancy, never>, day = gmt8Day()) {
    const m = merchant();
    const a = await paidTrade(m, 1000);
    const b = await paidTrade(m, 2000);
    await control('discrepancies', { account: m.appId, date: day, ...make([a.reference, b.reference]) });
    return { m, a, b, rows: await collect(m, day) };
  }

  it('unknown_trade: a paid trade Paygate never created', async () => {
    const { a, b, rows } = await withDiscrepancy(() => ({ kind: 'unknown_trade', amount: 4321 }));
    const other = rows.filter((r) => r.reference !== a.reference && r.reference !== b.reference);
    expect(other).toMatchObject([{ kind: 'payment', status: 'succeeded', amount: 4321, currency: 'CNY' }]);
    expect(other[0]!.providerTransactionId).toMatch(/^\d+$/);
  });

  it('drop_trade: the trade is not on the bill', async () => {
    const { a, b, rows } = await withDiscrepancy(([ref]) => ({ kind: 'drop_trade', reference: ref! }));
    expect(rows.map((r) => r.reference)).toEqual([b.reference]);
    expect(a.reference).not.toBe(b.reference);
  });

  it('amount: the trade is listed with another amount', async () => {
    const { a, rows } = await withDiscrepancy(([ref]) => ({ kind: 'amount', reference: ref!, amount: 999 }));
    expect(rows.find((r) => r.reference === a.reference)?.amount).toBe(999);
    expect(rows.map((r) => r.amount)).toEqual([999, 2000]);
  });

  it('currency: Alipay bills CNY only, so the bill is unchanged', async () => {
    const { rows } = await withDiscrepancy(([ref]) => ({ kind: 'currency', reference: ref!, currency: 'USD' }));
    expect(rows.map((r) => [r.amount, r.currency])).toEqual([[1000, 'CNY'], [2000, 'CNY']]);
  });

  it('status: the trade was not kept (a cancel): the whole amount goes back without a refund request', async () => {
    const { a, rows } = await withDiscrepancy(([ref]) => ({ kind: 'status', reference: ref! }));
    const mine = rows.filter((r) => r.reference === a.reference);
    // Money back that nobody asked to refund: the trade was undone, so the row says the trade is not paid.
    expect(mine).toMatchObject([{ kind: 'payment', status: 'succeeded', amount: 1000 }, { kind: 'payment', status: 'closed', amount: 1000, refundReference: null, providerTransactionId: a.tradeNo }]);
  });

  it('refund: a refund Paygate does not have', async () => {
    const { b, rows } = await withDiscrepancy(([, ref]) => ({ kind: 'refund', reference: ref!, amount: 150 }));
    expect(rows.filter((r) => r.kind === 'refund')).toMatchObject([{ reference: b.reference, amount: 150, refundReference: expect.stringMatching(/^SIMRF/) }]);
  });

  it('fee: the trade carries a service fee (Alipay writes it negative; the row counts a charge as positive)', async () => {
    const { a, rows } = await withDiscrepancy(([ref]) => ({ kind: 'fee', reference: ref!, fee: 6 }));
    expect(rows.map((r) => [r.reference, r.fee])).toEqual([[a.reference, 6], [expect.any(String), 0]]);
  });

  it('next_day: the trade leaves its day and is booked on the next', async () => {
    // The simulator only bills days up to today, so this uses yesterday's synthetic bill.
    const m = merchant();
    const yesterday = gmt8Day(-1);
    await control('synthetic', { account: m.appId, date: yesterday, rows: 5 });
    const moved = syntheticTrade(yesterday, 2, 5, 480);
    await control('discrepancies', { account: m.appId, date: yesterday, kind: 'next_day', reference: moved.reference });
    expect((await collect(m, yesterday)).map((r) => r.reference)).not.toContain(moved.reference);
    expect(await collect(m, gmt8Day())).toMatchObject([{ reference: moved.reference, providerTransactionId: moved.providerTransactionId, amount: moved.amount, occurredAt: Math.floor(moved.paidAt / 1000) * 1000 }]);
  });
});

describe('alipayBills: BillControls faults end the run with their BillError code', () => {
  const cases: Array<[BillFault, string]> = [
    ['truncate', 'RECON.BILL_TRUNCATED'],
    ['encoding', 'RECON.BILL_ENCODING'],
    ['bad_amount', 'RECON.BILL_ROW_INVALID'],
    ['bad_date', 'RECON.BILL_ROW_INVALID'],
    ['header_changed', 'RECON.BILL_HEADER_CHANGED'],
    ['url_expired', 'RECON.BILL_URL_EXPIRED'],
    ['oversize', 'RECON.BILL_TOO_LARGE'],
    ['totals', 'RECON.BILL_TOTALS_MISMATCH'],
  ];
  it.each(cases)('%s → %s', async (fault, code) => {
    const m = merchant();
    await paidTrade(m, 1234);
    await control('faults', { account: m.appId, date: gmt8Day(), fault });
    const io = testIo(8 * 1024 * 1024);
    const err = await failure(m, io);
    expect(err.code).toBe(code);
    // An expired URL is asked for again exactly once.
    if (fault === 'url_expired') expect(io.calls).toHaveLength(2);
  });

  it('no_bill → no rows, hash_mismatch → the bill as usual (Alipay signs no digest of the file)', async () => {
    const m = merchant();
    const t = await paidTrade(m, 1234);
    await control('faults', { account: m.appId, date: gmt8Day(), fault: 'no_bill' });
    expect(await collect(m)).toEqual([]);
    await control('faults', { account: m.appId, date: gmt8Day(), fault: 'hash_mismatch' });
    expect((await collect(m)).map((r) => r.reference)).toEqual([t.reference]);
  });
});

describe('alipayBills: a synthetic bill', () => {
  it('parses 50,000 rows streamed from the simulator in flat memory', { timeout: 300_000 }, async () => {
    const m = merchant();
    const day = gmt8Day(-1);
    const n = 50_000;
    await control('synthetic', { account: m.appId, date: day, rows: n });
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    let count = 0;
    let fen = 0;
    const started = performance.now();
    for await (const row of alipayBills.rows(testIo(), m.ctx, day)) {
      if (count % 997 === 0) {
        const s = syntheticTrade(day, count, n, 480);
        expect([row.reference, row.providerTransactionId, row.amount]).toEqual([s.reference, s.providerTransactionId, s.amount]);
      }
      if (count % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      count++;
      fen += row.amount;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`alipay synthetic bill: ${n} rows in ${seconds.toFixed(1)} s (${Math.round(n / seconds)} rows/s), rss +${((peak - before) / 1e6).toFixed(1)} MB`);
    expect(count).toBe(n);
    let expected = 0;
    for (let i = 0; i < n; i++) expected += syntheticTrade(day, i, n, 480).amount;
    expect(fen).toBe(expected);
    expect(peak - before).toBeLessThan(100 * 1024 * 1024);
  });
});
