import { AlipaySdk } from 'alipay-sdk';
import { randomUUID } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAlipaySimulator, type AlipaySimulator } from './index.js';
import { GMT8_DATETIME, precreate, Receiver, sdkFor, simulatorSuite, sleep, verifyRsa2, waitFor } from './testkit.js';

const suite = simulatorSuite();
const { receiver } = suite;
let sim: AlipaySimulator;
let sdk: AlipaySdk;
let appId: string;

/** The field set alipay.md documents for trade_status_sync notifications. */
const DOCUMENTED = new Set([
  'notify_time', 'notify_type', 'notify_id', 'app_id', 'charset', 'version', 'sign_type', 'sign', 'trade_no',
  'out_trade_no', 'out_biz_no', 'buyer_id', 'seller_id', 'trade_status', 'total_amount', 'receipt_amount',
  'buyer_pay_amount', 'refund_fee', 'gmt_create', 'gmt_payment', 'gmt_refund', 'gmt_close',
]);

beforeAll(async () => {
  sim = suite.sim;
  const creds = sim.registerApp();
  appId = creds.app_id;
  sdk = sdkFor(suite.url, creds, sim.alipayPublicKeyPem);
});

beforeEach(() => {
  receiver.respond = () => 'success';
  sim.setFaults({ drop_notifications: false, duplicate_notifications: false, duplicate_count: 2 });
});

async function newTrade(amount = '10.00'): Promise<string> {
  const outTradeNo = `N${randomUUID().replace(/-/g, '')}`;
  const res = await precreate(sdk, { out_trade_no: outTradeNo, total_amount: amount, subject: 'notify test' }, receiver.url);
  expect(res.code).toBe('10000');
  return outTradeNo;
}

/** Verification the way alipay.md documents it, written out independently of the simulator. */
function verifyExcluding(fields: Record<string, string>, exclude: string[]): boolean {
  const content = Object.keys(fields).filter((k) => !exclude.includes(k) && fields[k] !== '').sort()
    .map((k) => `${k}=${fields[k]}`).join('&');
  return verifyRsa2(content, fields.sign as string, sim.alipayPublicKeyPem);
}

describe('alipay simulator notifications', () => {
  it('sends WAIT_BUYER_PAY then TRADE_SUCCESS, signed without sign and sign_type, accepted by the SDK', async () => {
    const outTradeNo = await newTrade('10.00');
    await sim.pay(outTradeNo, 'success');
    await waitFor(() => receiver.forTrade(outTradeNo).length >= 2, 5000, 'two notifications');
    const got = receiver.forTrade(outTradeNo);
    expect(new Set(got.map((n) => n.fields.trade_status))).toEqual(new Set(['WAIT_BUYER_PAY', 'TRADE_SUCCESS']));
    for (const n of got) {
      expect(n.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded; charset=utf-8$/);
      expect(sdk.checkNotifySignV2(n.fields)).toBe(true);
      expect(verifyExcluding(n.fields, ['sign', 'sign_type'])).toBe(true);
      // Proves sign_type really is outside the signed string, not just tolerated by the SDK's fallback.
      expect(verifyExcluding(n.fields, ['sign'])).toBe(false);
      for (const k of Object.keys(n.fields)) expect(DOCUMENTED.has(k), `unexpected field ${k}`).toBe(true);
      for (const v of Object.values(n.fields)) expect(v).not.toBe('');
      expect(n.fields).toMatchObject({
        notify_type: 'trade_status_sync', app_id: appId, charset: 'utf-8', version: '1.0', sign_type: 'RSA2',
        out_trade_no: outTradeNo, total_amount: '10.00',
      });
      expect(n.fields.notify_time).toMatch(GMT8_DATETIME);
      expect(n.fields.seller_id).toMatch(/^2088\d{12}$/);
      expect(n.fields.buyer_id).toMatch(/^2088\d{12}$/);
    }
    const success = got.find((n) => n.fields.trade_status === 'TRADE_SUCCESS');
    expect(success?.fields).toMatchObject({ receipt_amount: '10.00', buyer_pay_amount: '10.00' });
    expect(success?.fields.gmt_payment).toMatch(GMT8_DATETIME);
    const wait = got.find((n) => n.fields.trade_status === 'WAIT_BUYER_PAY');
    expect(wait?.fields.gmt_payment).toBeUndefined();
    // A tampered field must not verify.
    const forged = { ...(success?.fields as Record<string, string>), total_amount: '0.01' };
    expect(sdk.checkNotifySignV2(forged)).toBe(false);
  });

  it('retries on anything but "success" with the same notify_id (fail, fail, success = 3 deliveries)', async () => {
    const outTradeNo = await newTrade();
    receiver.respond = (n, count) => (n.fields.out_trade_no === outTradeNo && count <= 2 ? 'fail' : 'success');
    const payStarted = Date.now();
    await sim.pay(outTradeNo, 'success');
    const success = () => receiver.forTrade(outTradeNo).filter((n) => n.fields.trade_status === 'TRADE_SUCCESS');
    await waitFor(() => success().length >= 3, 10_000, 'three deliveries');
    await sleep(1500); // past the next retry slot (600 ms at this time scale): no 4th delivery
    const deliveries = success();
    expect(deliveries).toHaveLength(3);
    expect(new Set(deliveries.map((n) => n.fields.notify_id)).size).toBe(1);
    // Retries are due 4m, then 10m later × timeScale 0.001 = 240 ms, 600 ms after the previous
    // attempt started, and no attempt can start before pay() was called.
    const [, b, c] = deliveries.map((n) => n.at) as [number, number, number];
    expect(b - payStarted).toBeGreaterThanOrEqual(240);
    expect(c - payStarted).toBeGreaterThanOrEqual(840);
    expect(c - payStarted).toBeLessThan(4000);
    for (const d of deliveries) expect(sdk.checkNotifySignV2(d.fields)).toBe(true);
  });

  it('drop_notifications sends nothing while the state still changes', async () => {
    sim.setFaults({ drop_notifications: true });
    const outTradeNo = await newTrade();
    await sim.pay(outTradeNo, 'success');
    await sleep(800);
    expect(receiver.forTrade(outTradeNo)).toHaveLength(0);
    const q = await sdk.exec('alipay.trade.query', { bizContent: { out_trade_no: outTradeNo } }, { validateSign: true });
    expect(q.trade_status).toBe('TRADE_SUCCESS');
  });

  it('duplicate_notifications sends each notification duplicate_count times', async () => {
    const res = await fetch(`${suite.url}/sandbox/alipay/_faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ duplicate_notifications: true, duplicate_count: 50 }),
    });
    expect(res.status).toBe(200);
    const outTradeNo = await newTrade();
    await sim.pay(outTradeNo, 'success');
    await waitFor(() => receiver.forTrade(outTradeNo).length >= 100, 10_000, '100 notifications');
    await sleep(500);
    const got = receiver.forTrade(outTradeNo);
    expect(got).toHaveLength(100);
    const byStatus = (s: string) => got.filter((n) => n.fields.trade_status === s);
    expect(byStatus('WAIT_BUYER_PAY')).toHaveLength(50);
    expect(byStatus('TRADE_SUCCESS')).toHaveLength(50);
    expect(new Set(byStatus('TRADE_SUCCESS').map((n) => n.fields.notify_id)).size).toBe(1);
  });

  // Issue 13: a failed payment no longer closes the trade (the buyer may pay another way), so
  // the failed trade is closed by the merchant like the other one.
  it('notifies TRADE_CLOSED when a scanned trade, failed or not, is closed', async () => {
    const failed = await newTrade();
    await sim.pay(failed, 'fail');
    const closed = await newTrade();
    await sim.scan(closed);
    for (const t of [failed, closed]) await sdk.exec('alipay.trade.close', { bizContent: { out_trade_no: t } }, { validateSign: true });
    for (const t of [failed, closed]) {
      await waitFor(() => receiver.forTrade(t).some((n) => n.fields.trade_status === 'TRADE_CLOSED'), 5000, 'TRADE_CLOSED');
      const n = receiver.forTrade(t).find((x) => x.fields.trade_status === 'TRADE_CLOSED');
      expect(n?.fields.gmt_close).toMatch(GMT8_DATETIME);
      expect(n?.fields.receipt_amount).toBeUndefined();
      expect(sdk.checkNotifySignV2(n?.fields)).toBe(true);
    }
  });
});

describe('alipay simulator notification give-up', () => {
  it('stops after 8 attempts', async () => {
    const fast = await startAlipaySimulator({ port: 0, timeScale: 0.00005 });
    const r = await new Receiver().start();
    r.respond = () => 'fail';
    try {
      const creds = fast.sim.registerApp();
      const client = new AlipaySdk({
        appId: creds.app_id, privateKey: creds.private_key as string, alipayPublicKey: fast.sim.alipayPublicKeyPem,
        gateway: `${fast.url}/sandbox/alipay/gateway.do`, camelcase: false,
      });
      await client.exec('alipay.trade.precreate', {
        notify_url: r.url, bizContent: { out_trade_no: 'giveup1', total_amount: '1.00', subject: 's' },
      });
      await fast.sim.scan('giveup1');
      // Total schedule at this scale: (4+10+10+60+120+360+900) min × 0.00005 ≈ 4.4 s.
      await waitFor(() => r.received.length >= 8, 15_000, '8 attempts');
      await sleep(2000);
      expect(r.received).toHaveLength(8);
      expect(new Set(r.received.map((n) => n.fields.notify_id)).size).toBe(1);
    } finally {
      await fast.close();
      await r.close();
    }
  });
});
