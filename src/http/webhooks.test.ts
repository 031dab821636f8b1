import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxMerchant, startGateway, startReceiver, waitFor, type Gateway } from '../test-support/harness.js';

describe('merchant webhook delivery', () => {
  let gw: Gateway;
  beforeAll(async () => { gw = await startGateway({ db: 'sqlite' }); });
  afterAll(async () => { await gw?.stop(); });

  it('retries after a 500 and a timeout with the same event id, then succeeds', async () => {
    // 1st: 500, 2nd: never answers (webhook timeout is 1 s in tests), 3rd: 200.
    const receiver = await startReceiver((n) => (n === 1 ? 500 : n === 2 ? 'hang' : 200));
    try {
      const m = await sandboxMerchant(gw, receiver.url, ['payment.succeeded']);
      const p = (await gw.api<{ id: string; next_action: { qr_code: string } }>(m.key, 'POST', '/v1/payments', { amount: 500, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'WH-1' })).body;
      await fetch(`${gw.url}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: p.next_action.qr_code, outcome: 'success' }) });
      await waitFor(() => receiver.received.length >= 3 || undefined, { what: '3 delivery attempts' });
      const ids = receiver.received.map((r) => (JSON.parse(r.body) as { id: string }).id);
      expect(new Set(ids).size).toBe(1);
      const bodies = new Set(receiver.received.map((r) => r.body));
      expect(bodies.size).toBe(1);
      for (const r of receiver.received) {
        const [, t, v1] = /^t=(\d+),v1=(\w+)$/.exec(String(r.headers['paygate-signature']))!;
        expect(crypto.createHmac('sha256', m.webhookSecret!).update(`${t}.${r.body}`).digest('hex')).toBe(v1);
      }
      const d = await waitFor(async () => {
        const row = await gw.rt.ctx.db.selectFrom('webhook_deliveries').selectAll().where('event_id', '=', ids[0]!).executeTakeFirst();
        return row?.status === 'succeeded' ? row : undefined;
      });
      expect(d.attempts).toBe(3);
      expect(receiver.received.length).toBe(3);

      // Resend delivers the same event id again.
      const resend = await gw.api(m.key, 'POST', `/v1/events/${ids[0]}/resend`);
      expect(resend.status).toBe(200);
      await waitFor(() => receiver.received.length >= 4 || undefined, { what: 'resend' });
      expect((JSON.parse(receiver.received[3]!.body) as { id: string }).id).toBe(ids[0]);
    } finally {
      await receiver.close();
    }
  });
});

describe('merchant webhook delivery schedule', () => {
  let gw: Gateway;
  // The full schedule is 45.8 h; at this scale it takes ~8 s.
  beforeAll(async () => { gw = await startGateway({ db: 'sqlite', env: { PAYGATE_TIME_SCALE: '0.00005' } }); });
  afterAll(async () => { await gw?.stop(); });

  it('marks a delivery failed after the whole schedule', async () => {
    const receiver = await startReceiver(() => 503);
    try {
      const m = await sandboxMerchant(gw, receiver.url, ['payment.succeeded']);
      const p = (await gw.api<{ id: string; next_action: { qr_code: string } }>(m.key, 'POST', '/v1/payments', { amount: 500, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'WH-2' })).body;
      await fetch(`${gw.url}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: p.next_action.qr_code, outcome: 'success' }) });
      const row = await waitFor(async () => {
        const r = await gw.rt.ctx.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', 'like', 'we_%').where('merchant_id', '=', m.id).executeTakeFirst();
        return r?.status === 'failed' ? r : undefined;
      }, { timeoutMs: 30_000, what: 'delivery failed' });
      expect(row.attempts).toBe(10); // first try + 9 retries (1m … 24h, time-scaled)
      expect(receiver.received).toHaveLength(10);
    } finally {
      await receiver.close();
    }
  });
});
