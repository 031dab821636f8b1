// The UnionPay bill source against the simulator's real route: payments, refunds and undos
// from the sandbox ledger, every BillControls discrepancy and fault seen through the
// parsed rows, 98 as no rows, and a synthetic 50,000-record day with memory checked.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newId } from '../../domain/ids.js';
import { startUnionpaySimulator } from '../../simulators/unionpay/index.js';
import { syntheticQueryId } from '../../simulators/unionpay/bill-trades.js';
import { zmLine } from '../../simulators/unionpay/zm-lines.js';
import { syntheticTrade } from '../../simulators/common/bill-controls.js';
import { billDayWindow, type BillRow } from '../bills.js';
import type { ConnectorContext } from '../types.js';
import { unionpayBills, unionpayBillSource } from './bill-source.js';
import { testBillIo } from '../../test-support/bill-io.js';
import { zmBillRow, zmTime, ZM_TXN_TYPES } from './bill-rows.js';
import type { UnionpayCredentials } from './credentials.js';
import { unionpayConnector as c } from './index.js';
import { zmRecord } from './zm-file.js';
import { sent } from '../../test-support/wire.js';

type Ctx = ConnectorContext<UnionpayCredentials>;
const beijingDay = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);

describe('UnionPay bill source against the simulator', () => {
  let s: Awaited<ReturnType<typeof startUnionpaySimulator>>;
  const io = testBillIo();
  const today = () => beijingDay(Date.now());
  const base = () => `${s.url}/sandbox/unionpay`;
  const control = async (path: string, body: unknown) => {
    const res = await fetch(`${base()}/_bills/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
  };
  const merchant = (): Ctx => ({ credentials: c.parseCredentials(s.sim.registerMerchant()), baseUrl: base(), notifyUrl: 'http://127.0.0.1:9/n', now: new Date() });
  const rowsOf = async (ctx: Ctx, day = today(), source = unionpayBills) => {
    const out: BillRow[] = [];
    for await (const r of source.rows(io, { ...ctx, now: new Date() }, day)) out.push(r);
    return out;
  };
  const send = async (req: { url: string; body?: string }) => {
    const res = await fetch(req.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: req.body ?? '' });
    return { status: res.status, headers: {}, body: await res.text() };
  };
  /** A paid order; returns its reference and the queryId the connector's query reports. */
  const paid = async (ctx: Ctx, amount = 1234) => {
    const reference = newId('att');
    const input = { reference, amount, currency: 'CNY', description: 'bill test', expiresAt: new Date(Date.now() + 3600_000) };
    expect(c.create.parse(ctx, input, await send(sent(c.create.build(ctx, input)))).ok).toBe(true);
    s.sim.pay(reference.slice(4), 'success');
    const q = c.query.parse({ ...ctx, now: new Date() }, reference, 'CNY', await send(sent(c.query.build(ctx, reference))));
    if (!q.ok || q.providerTransactionId === undefined) throw new Error(JSON.stringify(q));
    return { reference, queryId: q.providerTransactionId, amount };
  };

  beforeAll(async () => {
    s = await startUnionpaySimulator({});
  });
  afterAll(async () => s?.close());

  it('lists a payment, its refund and a same-day undo, with the ids Paygate holds', async () => {
    const ctx = merchant();
    const p = await paid(ctx, 5000);
    const refundReference = newId('re');
    expect(c.refund.parse(ctx, { reference: p.reference, refundReference, amount: 1200, currency: 'CNY', paymentAmount: 5000 },
      await send(sent(c.refund.build(ctx, { reference: p.reference, refundReference, amount: 1200, currency: 'CNY', paymentAmount: 5000, providerTransactionId: p.queryId }))))).toMatchObject({ ok: true, status: 'pending' });
    const u = await paid(ctx, 700);
    expect(c.close.parse(ctx, u.reference, await send(sent(c.close.build(ctx, u.reference, { amount: 700, currency: 'CNY', providerTransactionId: u.queryId }))))).toMatchObject({ ok: true, outcome: 'closed' });
    const rows = await rowsOf(ctx);
    const window = billDayWindow(today(), unionpayBills.utcOffsetMinutes);
    expect(rows.map(({ line: _l, occurredAt: _o, providerRefundId: _r, ...rest }) => rest)).toEqual([
      { kind: 'payment', status: 'succeeded', reference: p.reference, providerTransactionId: p.queryId, refundReference: null, amount: 5000, currency: 'CNY', fee: null },
      { kind: 'refund', status: 'succeeded', reference: null, providerTransactionId: p.queryId, refundReference, amount: 1200, currency: 'CNY', fee: null },
      { kind: 'payment', status: 'succeeded', reference: u.reference, providerTransactionId: u.queryId, refundReference: null, amount: 700, currency: 'CNY', fee: null },
      { kind: 'payment', status: 'closed', reference: u.reference, providerTransactionId: u.queryId, refundReference: null, amount: 700, currency: 'CNY', fee: null },
    ]);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4]);
    expect(rows[1]!.providerRefundId).toMatch(/^\d{21}$/);
    for (const r of rows) expect(r.occurredAt >= window.from && r.occurredAt < window.to && r.occurredAt <= Date.now()).toBe(true);
    expect(io.calls.at(-1)).toBe('file transfer (76/01)');
  });

  it('yields no rows for respCode 98 (no transactions, or the no_bill fault)', async () => {
    const ctx = merchant();
    expect(await rowsOf(ctx)).toEqual([]);
    await paid(ctx);
    await control('faults', { account: ctx.credentials.merId, date: today(), fault: 'no_bill' });
    expect(await rowsOf(ctx)).toEqual([]);
  });

  it('turns a refused answer into RECON.BILL_UNAVAILABLE', async () => {
    const ctx = merchant();
    await paid(ctx);
    await fetch(`${base()}/_faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error_rate: 1 }) });
    try {
      await expect(rowsOf(ctx)).rejects.toMatchObject({ code: 'RECON.BILL_UNAVAILABLE', message: expect.stringContaining('06') });
    } finally {
      await fetch(`${base()}/_faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error_rate: 0 }) });
    }
    await expect(rowsOf(ctx, '2026-02-30')).rejects.toMatchObject({ code: 'RECON.BILL_UNAVAILABLE' });
  });

  it('shows every discrepancy kind in the parsed rows', async () => {
    const ctx = merchant();
    const account = ctx.credentials.merId;
    const date = today();
    const [keep, drop, amount, currency, status, refund, fee, late] = [await paid(ctx), await paid(ctx), await paid(ctx), await paid(ctx), await paid(ctx), await paid(ctx), await paid(ctx), await paid(ctx)];
    for (const d of [
      { kind: 'unknown_trade', amount: 4321 },
      { kind: 'drop_trade', reference: drop!.reference },
      { kind: 'amount', reference: amount!.reference, amount: 1 },
      { kind: 'currency', reference: currency!.reference, currency: 'USD' },
      { kind: 'status', reference: status!.reference },
      { kind: 'refund', reference: refund!.reference, amount: 99 },
      { kind: 'fee', reference: fee!.reference, fee: 8 },
      { kind: 'next_day', reference: late!.reference },
    ]) await control('discrepancies', { account, date, ...d });
    const rows = await rowsOf(ctx);
    const of = (ref: string) => rows.filter((r) => r.reference === ref || (r.reference === null && r.providerTransactionId === [keep, drop, amount, currency, status, refund, fee, late].find((p) => p!.reference === ref)!.queryId));
    expect(of(keep!.reference)).toMatchObject([{ status: 'succeeded', amount: 1234, fee: null }]);
    expect(of(drop!.reference)).toEqual([]);
    expect(of(late!.reference)).toEqual([]);
    expect(of(amount!.reference)).toMatchObject([{ amount: 1 }]);
    // ZM has no currency field: UnionPay QR bills CNY only, the kind is ignored.
    expect(of(currency!.reference)).toMatchObject([{ currency: 'CNY', amount: 1234 }]);
    expect(of(status!.reference)).toMatchObject([{ kind: 'payment', status: 'succeeded' }, { kind: 'payment', status: 'closed', providerTransactionId: status!.queryId }]);
    expect(of(refund!.reference)).toMatchObject([{ kind: 'payment' }, { kind: 'refund', amount: 99, providerTransactionId: refund!.queryId, refundReference: `${refund!.reference.slice(4)}R` }]);
    expect(of(fee!.reference)).toMatchObject([{ fee: 8 }]);
    const unknown = rows.filter((r) => r.reference?.startsWith('EXT'));
    expect(unknown).toMatchObject([{ kind: 'payment', status: 'succeeded', amount: 4321 }]);
    expect(rows).toHaveLength(1 + 0 + 0 + 1 + 1 + 2 + 2 + 1 + 1);
  });

  it('books a next_day trade on the following day', async () => {
    const ctx = merchant();
    const yesterday = beijingDay(Date.now() - 86_400_000);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 86_400_000);
    let late: Awaited<ReturnType<typeof paid>>;
    try {
      late = await paid(ctx);
    } finally {
      vi.useRealTimers();
    }
    await control('discrepancies', { account: ctx.credentials.merId, date: yesterday, kind: 'next_day', reference: late.reference });
    expect(await rowsOf(ctx, yesterday)).toEqual([]);
    const rows = await rowsOf(ctx);
    expect(rows).toMatchObject([{ reference: late.reference, providerTransactionId: late.queryId, status: 'succeeded' }]);
    expect(beijingDay(rows[0]!.occurredAt)).toBe(yesterday);
  });

  it.each([
    ['truncate', 'RECON.BILL_TRUNCATED'],
    ['hash_mismatch', 'RECON.BILL_HASH_MISMATCH'],
    ['encoding', 'RECON.BILL_ENCODING'],
    ['bad_amount', 'RECON.BILL_ROW_INVALID'],
    ['bad_date', 'RECON.BILL_ROW_INVALID'],
    ['header_changed', 'RECON.BILL_HEADER_CHANGED'],
    ['oversize', 'RECON.BILL_TOO_LARGE'],
  ])('fault %s → %s', async (fault, code) => {
    const ctx = merchant();
    await paid(ctx);
    await paid(ctx);
    await control('faults', { account: ctx.credentials.merId, date: today(), fault });
    await expect(rowsOf(ctx)).rejects.toMatchObject({ code });
  }, 60_000);

  it.each(['url_expired', 'totals'])('fault %s does not apply (inline file, no totals): the bill reads as usual', async (fault) => {
    const ctx = merchant();
    const p = await paid(ctx);
    await control('faults', { account: ctx.credentials.merId, date: today(), fault });
    expect(await rowsOf(ctx)).toMatchObject([{ reference: p.reference }]);
  });

  it('streams a synthetic bill of 50,000 records with flat memory', async () => {
    const ctx = merchant();
    const date = beijingDay(Date.now() - 86_400_000);
    const n = 50_000;
    await control('synthetic', { account: ctx.credentials.merId, date, rows: n });
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    let count = 0;
    let sum = 0;
    let firstAt = 0;
    const started = Date.now();
    for await (const r of unionpayBillSource().rows(io, { ...ctx, now: new Date() }, date)) {
      if (count === 0) firstAt = Date.now();
      if (count % 20_000 === 0) {
        const t = syntheticTrade(date, count, n, 480);
        expect(r).toMatchObject({ reference: t.reference, providerTransactionId: syntheticQueryId(t.providerTransactionId), amount: t.amount, occurredAt: Math.floor(t.paidAt / 1000) * 1000 });
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      count += 1;
      sum += r.amount;
    }
    const seconds = (Date.now() - started) / 1000;
    const parsing = (Date.now() - firstAt) / 1000;
    console.log(`unionpay bill: ${count} rows in ${seconds.toFixed(1)} s; first row after ${((firstAt - started) / 1000).toFixed(1)} s (sim builds the file, ACP answer, inflate), then ${Math.round(count / parsing)} rows/s parsed; rss growth ${((peak - before) / 1048576).toFixed(0)} MB`);
    expect(count).toBe(n);
    let expected = 0;
    for (let i = 0; i < n; i++) expected += syntheticTrade(date, i, n, 480).amount;
    expect(sum).toBe(expected);
    expect(peak - before).toBeLessThan(100 * 1024 * 1024);
  }, 300_000);
});

describe('ZM record → BillRow', () => {
  const t = { txnType: '01', txnSubType: '07', merId: '777000000000001', orderId: '01hk0w4v00abcdefghjkmnpqrs', queryId: '202612011200000000001', traceNo: '123456', amount: 1234, at: Date.parse('2026-12-01T04:00:00Z'), origQryId: '', origAt: null, fee: null };
  const row = (over: Partial<typeof t> | Record<string, unknown> = {}, day = '2026-12-01') => zmBillRow(zmRecord(zmLine({ ...t, ...over } as typeof t).subarray(0, -2), 1), day);

  it('refuses every txnType the table does not have, naming it', () => {
    for (const junk of ['00', '02', '05', '32', '71', '99', 'to', '__', 'co']) {
      expect(Object.hasOwn(ZM_TXN_TYPES, junk)).toBe(false);
      expect(() => row({ txnType: junk, origQryId: '1' })).toThrow(expect.objectContaining({ code: 'RECON.BILL_ROW_INVALID', message: expect.stringContaining(JSON.stringify(junk)) }));
    }
    expect(() => zmBillRow({ ...zmRecord(zmLine(t).subarray(0, -2), 1), txnType: 'constructor' }, '2026-12-01')).toThrow(expect.objectContaining({ code: 'RECON.BILL_ROW_INVALID' }));
    expect(Object.keys(ZM_TXN_TYPES).sort()).toEqual(['01', '04', '31']);
  });

  it('reads the fee as debit (charged) or credit (returned), and refuses other text', () => {
    expect(row({ fee: 12 }).fee).toBe(12);
    expect(row({ fee: -12 }).fee).toBe(-12);
    expect(row().fee).toBeNull();
    const rec = zmRecord(zmLine(t).subarray(0, -2), 1);
    for (const bad of ['12', 'X000000000012', 'D00000000001', 'D-00000000001']) {
      const fields = [...rec.fields];
      fields[15] = bad;
      expect(() => zmBillRow({ ...rec, fields }, '2026-12-01')).toThrow(expect.objectContaining({ code: 'RECON.BILL_ROW_INVALID', message: expect.stringContaining('#16') }));
    }
  });

  it('puts a December time on a January bill in the year before, and refuses impossible times', () => {
    const rec = (txnTime: string) => ({ ...zmRecord(zmLine(t).subarray(0, -2), 1), txnTime });
    expect(new Date(zmTime(rec('1231235959'), '2027-01-01')).toISOString()).toBe('2026-12-31T15:59:59.000Z');
    expect(new Date(zmTime(rec('0101000001'), '2027-01-01')).toISOString()).toBe('2026-12-31T16:00:01.000Z');
    for (const bad of ['0230120000', '1301120000', '0101250000', '01011200', 'abcdefghij']) expect(() => zmTime(rec(bad), '2027-01-01')).toThrow(expect.objectContaining({ code: 'RECON.BILL_ROW_INVALID' }));
  });

  it('refuses an amount of zero, and a refund or undo without origQryId', () => {
    expect(() => row({ amount: 0 })).toThrow(expect.objectContaining({ code: 'RECON.BILL_ROW_INVALID' }));
    expect(() => row({ txnType: '04' })).toThrow(expect.objectContaining({ message: expect.stringContaining('origQryId') }));
    expect(row({ txnType: '31', orderId: `${t.orderId}U`, origQryId: '7' })).toMatchObject({ kind: 'payment', status: 'closed', reference: `att_${t.orderId}`, providerTransactionId: '7' });
  });
});
