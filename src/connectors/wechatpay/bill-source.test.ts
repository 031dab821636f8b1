/**
 * wechatpayBills against the WeChat Pay simulator over real HTTP: the bytes it serves, its
 * BillControls (discrepancies, faults, synthetic days), and wechatpay-axios-plugin's
 * Formatter.castCsvBill as the independent reader of the same file.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Formatter, Rsa } from 'wechatpay-axios-plugin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWechatpaySimulator, WECHATPAY_SANDBOX_PREFIX } from '../../simulators/wechatpay/standalone.js';
import type { RegisteredMerchant } from '../../simulators/wechatpay/admin.js';
import { testBillIo } from '../../test-support/bill-io.js';
import { BillError, type BillIo, type BillRow } from '../bills.js';
import type { ConnectorContext, WireRequest, WireResponse } from '../types.js';
import { buildBillDownload, buildTradeBill, parseTradeBill } from './bill.js';
import { parseTradeBillFile, wechatpayBills } from './bill-source.js';
import { parseWechatpayCredentials, type WechatpayCredentials } from './credentials.js';
import { wechatpayConnector as wx } from './index.js';

type Sim = Awaited<ReturnType<typeof startWechatpaySimulator>>;

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'wx-bill-'));

/** The shared test BillIo (test-support/bill-io.ts), downloads refused past `capBytes`. */
const testIo = (capBytes = 64 * 1024 * 1024) => testBillIo({ capBytes });

async function collect(rows: AsyncIterable<BillRow>): Promise<BillRow[]> {
  const out: BillRow[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

/** The BillError code (and the rows yielded before it) of a run that must fail. */
async function failure(rows: AsyncIterable<BillRow>): Promise<{ code: string; message: string; before: number }> {
  let before = 0;
  try {
    for await (const _ of rows) before++;
  } catch (err) {
    expect(err).toBeInstanceOf(BillError);
    return { code: (err as BillError).code, message: (err as BillError).message, before };
  }
  throw new Error('the bill was read without an error');
}

const cstToday = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
const fen = (yuan: string) => Number(yuan.replace('.', '')); // "88.88" → 8888: the oracle's cells have two decimals

describe('WeChat Pay bill source against the simulator', () => {
  let s: Sim;
  let m: RegisteredMerchant;
  let ctx: ConnectorContext<WechatpayCredentials>;
  const controls = (what: string, body: object) =>
    fetch(`${s.url}${WECHATPAY_SANDBOX_PREFIX}/_bills/${what}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ account: m.mchid, ...body }) });
  const read = (day: string, io = testIo()) => wechatpayBills.rows(io, { ...ctx, now: new Date() }, day);

  beforeAll(async () => {
    s = await startWechatpaySimulator({ timeScale: 0.0005 });
    m = s.sim.registerMerchant();
    ctx = {
      credentials: parseWechatpayCredentials({ ...m }),
      baseUrl: `${s.url}${WECHATPAY_SANDBOX_PREFIX}`, notifyUrl: 'http://127.0.0.1:9/notify', now: new Date(),
    };
  });
  afterAll(async () => {
    await s?.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  /** Paid orders of today (GMT+8) and one refund, through the connector and the payer API. */
  async function ledger() {
    const io = testIo();
    const refs: string[] = [];
    for (const [i, amount] of [1001, 2002, 3003, 4004].entries()) {
      const reference = `att_bill_${Date.now()}_${i}`;
      const now = new Date();
      const input = { reference, amount, currency: 'CNY', description: i === 0 ? '电影票, 2 张' : '商品', expiresAt: new Date(Date.now() + 900_000) };
      const created = await io.call('create', () => wx.create.build({ ...ctx, now }, input), (res) => wx.create.parse({ ...ctx, now }, input, res));
      expect(created.ok).toBe(true);
      s.sim.pay(reference, 'success');
      refs.push(reference);
    }
    const refund = { reference: refs[1]!, refundReference: `re_bill_${Date.now()}`, amount: 500, currency: 'CNY', paymentAmount: 2002 };
    const r = await io.call('refund', () => wx.refund.build({ ...ctx, now: new Date() }, refund), (res) => wx.refund.parse({ ...ctx, now: new Date() }, refund, res));
    expect(r.ok).toBe(true);
    for (let i = 0; i < 200; i++) {
      const q = await io.call('rq', () => wx.refundQuery.build({ ...ctx, now: new Date() }, refund), (res) => wx.refundQuery.parse({ ...ctx, now: new Date() }, refund, res));
      if (q.ok && q.status === 'succeeded') break;
      await new Promise((res) => setTimeout(res, 20));
    }
    return { refs, refund };
  }

  it('reads the ledger bill: payments, a refund, ids as the query returns them; castCsvBill reads the same lines', async () => {
    const { refs, refund } = await ledger();
    const day = cstToday();
    const rows = await collect(read(day));
    const mine = rows.filter((r) => refs.includes(r.reference ?? ''));
    expect(mine.filter((r) => r.kind === 'payment').map((r) => [r.reference, r.amount, r.status, r.currency])).toEqual(
      refs.map((ref, i) => [ref, [1001, 2002, 3003, 4004][i], 'succeeded', 'CNY']));
    const io = testIo();
    for (const row of mine.filter((r) => r.kind === 'payment')) {
      const q = await io.call('query', () => wx.query.build({ ...ctx, now: new Date() }, row.reference!), (res) => wx.query.parse({ ...ctx, now: new Date() }, row.reference!, 'CNY', res));
      expect(q.ok && q.providerTransactionId).toBe(row.providerTransactionId);
      expect(row.fee).toBe(Math.floor((row.amount * 6 + 500) / 1000));
      expect(Math.abs(row.occurredAt - Date.now())).toBeLessThan(120_000);
    }
    const back = mine.find((r) => r.kind === 'refund');
    expect(back).toMatchObject({ reference: refund.reference, refundReference: refund.refundReference, amount: 500, status: 'succeeded', fee: -3 });
    expect(back?.providerRefundId).toMatch(/^\d+$/);

    // The oracle, over the bytes of the same file.
    const meta = await io.call('bill', () => buildTradeBill({ ...ctx, now: new Date() }, day, { gzip: true }), (res) => parseTradeBill({ ...ctx, now: new Date() }, res));
    if (!meta.ok || meta.noBill === true) throw new Error('no bill');
    const dl = await io.download(buildBillDownload({ ...ctx, now: new Date() }, meta.downloadUrl) as WireRequest);
    const bill = Formatter.castCsvBill(gunzipSync(await fs.readFile(dl.path))) as { rows: Array<Record<string, string>>; summary: Record<string, string> };
    expect(bill.rows).toHaveLength(rows.length);
    expect(bill.rows.map((r) => [r['商户订单号'], r['微信订单号'], fen(r['交易状态'] === 'REFUND' ? r['退款金额']! : r['应结订单金额']!)])).toEqual(
      rows.map((r) => [r.reference, r.providerTransactionId, r.amount]));
    expect(bill.rows[0]!['商品名称']).toBe('电影票, 2 张'); // the comma inside a cell did not split it
    expect(rows[0]!.line).toBe(2);
  });

  it('every discrepancy kind shows in the parsed rows (currency: CNY-only bills ignore it)', async () => {
    const { refs } = await ledger();
    const day = cstToday();
    const before = await collect(read(day));
    for (const d of [
      { kind: 'unknown_trade', amount: 777 }, { kind: 'drop_trade', reference: refs[0] }, { kind: 'amount', reference: refs[1], amount: 1999 },
      { kind: 'status', reference: refs[2] }, { kind: 'fee', reference: refs[3], fee: 99 }, { kind: 'refund', reference: refs[3], amount: 321 },
      { kind: 'currency', reference: refs[3], currency: 'USD' },
    ]) expect((await controls('discrepancies', { date: day, ...d })).status).toBe(201);
    const after = await collect(read(day));
    const pay = (ref: string) => after.find((r) => r.kind === 'payment' && r.reference === ref);
    expect(pay(refs[0]!)).toBeUndefined();
    expect(pay(refs[1]!)?.amount).toBe(1999);
    expect(pay(refs[2]!)?.status).toBe('closed');
    expect(pay(refs[3]!)).toMatchObject({ fee: 99, currency: 'CNY', status: 'succeeded' });
    expect(after.filter((r) => r.kind === 'refund' && r.reference === refs[3])).toEqual([expect.objectContaining({ amount: 321, status: 'succeeded' })]);
    const strangers = after.filter((r) => !before.some((b) => b.reference === r.reference));
    expect(strangers.filter((r) => r.kind === 'payment').map((r) => r.amount)).toEqual([777]);
    await controls('reset', {});
  });

  it('next_day: the trade leaves its day and is booked on the next one (synthetic days)', async () => {
    await controls('synthetic', { date: '2026-10-01', rows: 10 });
    await controls('synthetic', { date: '2026-10-02', rows: 3 });
    await controls('discrepancies', { date: '2026-10-01', kind: 'next_day', reference: 'syn2026100100000009' });
    const d1 = await collect(read('2026-10-01'));
    const d2 = await collect(read('2026-10-02'));
    expect(d1.map((r) => r.reference)).not.toContain('syn2026100100000009');
    expect(d1).toHaveLength(9);
    expect(d2.map((r) => r.reference)).toEqual(['syn2026100100000009', 'syn2026100200000000', 'syn2026100200000001', 'syn2026100200000002']);
    expect(d2[0]!.occurredAt).toBeLessThan(Date.parse('2026-10-02T00:00:00+08:00'));
  });

  it('each fault ends in its BillError code, no_bill in no rows, a hash mismatch before any row', async () => {
    const cases: Array<[fault: string, code: string | null]> = [
      ['truncate', 'RECON.BILL_TRUNCATED'], ['hash_mismatch', 'RECON.BILL_HASH_MISMATCH'], ['encoding', 'RECON.BILL_ENCODING'],
      ['bad_amount', 'RECON.BILL_ROW_INVALID'], ['bad_date', 'RECON.BILL_ROW_INVALID'], ['header_changed', 'RECON.BILL_HEADER_CHANGED'],
      ['url_expired', 'RECON.BILL_URL_EXPIRED'], ['oversize', 'RECON.BILL_TOO_LARGE'], ['totals', 'RECON.BILL_TOTALS_MISMATCH'], ['no_bill', null],
    ];
    for (const [i, [fault, code]] of cases.entries()) {
      const date = `2026-09-${String(i + 1).padStart(2, '0')}`;
      await controls('synthetic', { date, rows: 4000 });
      expect(await collect(read(date))).toHaveLength(4000); // sound before the fault
      await controls('faults', { date, fault });
      if (code === null) {
        expect(await collect(read(date))).toEqual([]);
        continue;
      }
      const io = testIo(8 * 1024 * 1024);
      const f = await failure(read(date, io));
      expect([fault, f.code]).toEqual([fault, code]);
      if (fault === 'hash_mismatch' || fault === 'encoding' || fault === 'header_changed' || fault === 'url_expired') expect(f.before).toBe(0);
      if (fault === 'truncate' || fault === 'totals') expect(f.message).toMatch(/run again|summary/);
    }
  });

  it('a file without its summary (the plain bill cut short, gzipped) is RECON.BILL_TRUNCATED; no trades is NO_STATEMENT_EXIST → no rows', async () => {
    const date = '2026-08-01';
    await controls('synthetic', { date, rows: 3 });
    await controls('faults', { date, fault: 'truncate' });
    const io = testIo();
    const meta = await io.call('bill', () => buildTradeBill({ ...ctx, now: new Date() }, date), (res) => parseTradeBill({ ...ctx, now: new Date() }, res));
    if (!meta.ok || meta.noBill === true) throw new Error('no bill');
    const dl = await io.download(buildBillDownload({ ...ctx, now: new Date() }, meta.downloadUrl) as WireRequest);
    const plain = await fs.readFile(dl.path);
    expect(plain.toString('utf8')).not.toContain('总交易单数');
    const gz = path.join(tmp, 'no-summary.gz');
    await fs.writeFile(gz, gzipSync(plain));
    const f = await failure(parseTradeBillFile(io.read, gz));
    expect([f.code, f.before]).toEqual(['RECON.BILL_TRUNCATED', 3]);
    const quiet = testIo();
    expect(await collect(read('2026-07-01', quiet))).toEqual([]);
    expect(quiet.downloads).toBe(0);
  });

  it('STATEMENT_CREATING is RECON.BILL_UNAVAILABLE saying to retry later; a bad bill_date never leaves the builder', async () => {
    const signer = s.sim.keys.publicKeyMode;
    const body = JSON.stringify({ code: 'STATEMENT_CREATING', message: '账单生成中' });
    const ts = Math.floor(Date.now() / 1000);
    const nonce = Formatter.nonce();
    const pem = signer.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const res: WireResponse = {
      status: 400, body,
      headers: { 'wechatpay-timestamp': String(ts), 'wechatpay-nonce': nonce, 'wechatpay-serial': signer.serial, 'wechatpay-signature': Rsa.sign(Formatter.response(ts, nonce, body), pem), 'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048' },
    };
    const io: BillIo = { ...testIo(), call: async (_op, _build, parse) => parse(res) };
    const f = await failure(wechatpayBills.rows(io, { ...ctx, now: new Date() }, '2026-06-01'));
    expect(f.code).toBe('RECON.BILL_UNAVAILABLE');
    expect(f.message).toMatch(/STATEMENT_CREATING.*retry later/);
    expect(buildTradeBill(ctx, '2026-02-30x')).toMatchObject({ ok: false, code: 'VALIDATION.INVALID_BODY' });
    expect((await failure(read('2026/06/01'))).code).toBe('RECON.BILL_UNAVAILABLE');
  });

  it('a synthetic bill of 50,000 lines streams in flat memory', async () => {
    const date = '2026-05-01';
    const rows = 50_000;
    await controls('synthetic', { date, rows });
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0, n = 0, sum = 0;
    const t0 = performance.now();
    for await (const r of read(date, testIo(1024 * 1024 * 1024))) {
      n++;
      sum += r.amount;
      if (n % 20_000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    const secs = (performance.now() - t0) / 1000;
    console.log(`wechatpay bill: ${n} rows in ${secs.toFixed(1)} s (${Math.round(n / secs)} rows/s), rss +${((peak - rss0) / 1e6).toFixed(1)} MB`);
    expect(n).toBe(rows);
    let expected = 0;
    for (let i = 0; i < rows; i++) expected += 100 + (i % 9900);
    expect(sum).toBe(expected);
    expect(peak - rss0).toBeLessThan(100 * 1024 * 1024);
  }, 600_000);
});
