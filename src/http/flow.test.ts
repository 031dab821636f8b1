/**
 * The core vertical slice through HTTP only, on SQLite and on PostgreSQL: create → pay in
 * the Alipay simulator → signed notification → succeeded → signed merchant webhook; plus
 * the guarantees around it (idempotency, duplicates, lost notifications, refunds, retries,
 * isolation, cancel, expiry).
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, sandboxMerchant, waitFor, type Gateway } from '../test-support/harness.js';
import { startFlowGateway, stopFlowGateway, withFaults, type Receiver, type SandboxMerchant } from '../test-support/flow.js';

type Payment = { id: string; status: string; amount: number; amount_refunded: number; next_action: { type: string; qr_code: string; checkout_url: string } | null; attempts: Array<{ id: string; provider_reference: string; status: string }> };
type Refund = { id: string; status: string; amount: number };
type Event = { id: string; type: string; data: { object: { id: string; status: string } } };

function verifySignature(header: string, body: string, secret: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  const expected = crypto.createHmac('sha256', secret).update(`${m[1]}.${body}`).digest();
  return crypto.timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
}

describe.each(DB_KINDS)('gateway flow on %s', (db) => {
  let gw: Gateway;
  let receiver: Receiver;
  let m: SandboxMerchant;
  let order = 0;
  const sim = (p: string, body: unknown) => fetch(`${gw.url}/sandbox/alipay${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const create = async (extra: Record<string, unknown> = {}, headers?: Record<string, string>) =>
    gw.api<Payment>(m.key, 'POST', '/v1/payments', { amount: 8888, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `ORD-${db}-${++order}`, description: '2 tickets', ...extra }, headers);
  const get = async (id: string) => (await gw.api<Payment>(m.key, 'GET', `/v1/payments/${id}`)).body;
  const until = (id: string, status: string) => waitFor(async () => { const p = await get(id); return p.status === status ? p : undefined; }, { what: `${id} ${status}` });
  const eventsFor = (id: string) => receiver.received.map((r) => JSON.parse(r.body) as Event).filter((e) => e.data.object.id === id);

  beforeAll(async () => {
    ({ gw, receiver, m } = await startFlowGateway({ db }));
  });
  afterAll(() => stopFlowGateway({ gw, receiver }));

  it('settles a paid payment and delivers a signed webhook', async () => {
    const res = await create();
    expect(res.status).toBe(201);
    const p = res.body;
    expect(p.status).toBe('requires_action');
    expect(p.next_action?.type).toBe('display_qr_code');
    expect(p.next_action?.qr_code).toMatch(/^http/);
    expect(p.next_action?.checkout_url).toBe(`${gw.url}/pay/${p.id}`);
    expect(p.attempts).toHaveLength(1);

    const pay = await sim('/_payer/pay', { reference: p.next_action!.qr_code, outcome: 'success' });
    expect(pay.status).toBe(200);
    const done = await until(p.id, 'succeeded');
    expect(done.attempts[0]!.status).toBe('succeeded');

    const delivered = await waitFor(() => eventsFor(p.id).find((e) => e.type === 'payment.succeeded') && receiver.received.find((r) => r.body.includes(p.id) && r.body.includes('payment.succeeded')));
    expect(verifySignature(String(delivered.headers['paygate-signature']), delivered.body, m.webhookSecret!)).toBe(true);
    expect(verifySignature(String(delivered.headers['paygate-signature']), delivered.body.replace('8888', '8889'), m.webhookSecret!)).toBe(false);
    const ev = JSON.parse(delivered.body) as Event;
    expect(ev.id).toMatch(/^evt_/);
    expect(ev.data.object.status).toBe('succeeded');

    const log = await gw.api<{ data: Event[] }>(m.key, 'GET', '/v1/events?type=payment.succeeded');
    expect(log.body.data.some((e) => e.id === ev.id)).toBe(true);
  });

  it('returns the existing payment for a repeated merchant_order_id, 409 for another amount', async () => {
    const first = await create();
    const again = await gw.api<Payment>(m.key, 'POST', '/v1/payments', { amount: 8888, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `ORD-${db}-${order}`, description: '2 tickets' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const other = await gw.api<{ error: { code: string } }>(m.key, 'POST', '/v1/payments', { amount: 1, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `ORD-${db}-${order}` });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('PAYMENT.DUPLICATE_ORDER');
  });

  it('Idempotency-Key: replays byte-identical, 422 on another body, 409 while in flight', async () => {
    const key = `idem-${db}-${crypto.randomUUID()}`;
    const body = { amount: 100, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `IDEM-${db}-${key}` };
    const a = await gw.api(m.key, 'POST', '/v1/payments', body, { 'idempotency-key': key });
    const b = await gw.api(m.key, 'POST', '/v1/payments', body, { 'idempotency-key': key });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.text).toBe(a.text);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    const c = await gw.api<{ error: { code: string } }>(m.key, 'POST', '/v1/payments', { ...body, amount: 101 }, { 'idempotency-key': key });
    expect(c.status).toBe(422);
    expect(c.body.error.code).toBe('IDEMPOTENCY.KEY_REUSED');

    await withFaults(gw, 'alipay', { latency_ms: 400 }, { latency_ms: 0 }, async () => {
      const key2 = `idem2-${db}-${crypto.randomUUID()}`;
      const body2 = { ...body, merchant_order_id: `IDEM2-${key2}` };
      const [x, y] = await Promise.all([
        gw.api(m.key, 'POST', '/v1/payments', body2, { 'idempotency-key': key2 }),
        new Promise((r) => setTimeout(r, 100)).then(() => gw.api<{ error: { code: string } }>(m.key, 'POST', '/v1/payments', body2, { 'idempotency-key': key2 })),
      ]);
      expect(x.status).toBe(201);
      expect(y.status).toBe(409);
      expect(y.body.error.code).toBe('IDEMPOTENCY.IN_PROGRESS');
    });
  });

  it('settles by polling when the notification is lost', async () => {
    await withFaults(gw, 'alipay', { drop_notifications: true }, { drop_notifications: false }, async () => {
      const p = (await create()).body;
      await sim('/_payer/pay', { reference: p.next_action!.qr_code, outcome: 'success' });
      const done = await until(p.id, 'succeeded');
      expect(done.status).toBe('succeeded');
      const notes = await gw.rt.ctx.db.selectFrom('notifications').select('id').where('payment_id', '=', p.id).execute();
      expect(notes).toHaveLength(0); // proves polling, not a notification, settled it
    });
  });

  it('applies 50 concurrent duplicate notifications once: one event, one delivery', async () => {
    await withFaults(gw, 'alipay', { duplicate_notifications: true, duplicate_count: 50 }, { duplicate_notifications: false }, async () => {
      const p = (await create()).body;
      // Scan, then pay once the scan is known: sent together, the 50 TRADE_SUCCESS copies could
      // overtake the 50 WAIT_BUYER_PAY ones, and a late "processing" rightly changes nothing.
      await sim('/_payer/scan', { reference: p.next_action!.qr_code });
      await until(p.id, 'processing');
      await sim('/_payer/pay', { reference: p.next_action!.qr_code, outcome: 'success' });
      await until(p.id, 'succeeded');
      // The simulator notifies twice per paid trade (WAIT_BUYER_PAY on scan, TRADE_SUCCESS on
      // pay), each 50 times at once: exactly one transition and one event per distinct status.
      await waitFor(async () => {
        const n = await gw.rt.ctx.db.selectFrom('notifications').select('verdict').where('payment_id', '=', p.id).execute();
        return n.length >= 100 ? n : undefined;
      }, { what: '100 notifications recorded' });
      const n = await gw.rt.ctx.db.selectFrom('notifications').select('verdict').where('payment_id', '=', p.id).execute();
      // A poll may win the race for a transition; then every copy is a duplicate.
      expect(n.filter((x) => x.verdict === 'accepted').length).toBeLessThanOrEqual(2);
      expect(n.filter((x) => x.verdict === 'accepted' || x.verdict === 'duplicate')).toHaveLength(100);
      const events = await gw.rt.ctx.db.selectFrom('events').select(['id', 'type']).where('object_id', '=', p.id).orderBy('id').execute();
      expect(events.map((e) => e.type)).toEqual(['payment.processing', 'payment.succeeded']);
      for (const e of events) {
        const deliveries = await gw.rt.ctx.db.selectFrom('webhook_deliveries').select('id').where('event_id', '=', e.id).execute();
        expect(deliveries).toHaveLength(1);
      }
      await waitFor(() => eventsFor(p.id).length >= 2 || undefined);
      await new Promise((r) => setTimeout(r, 300));
      expect(eventsFor(p.id).filter((e) => e.type === 'payment.succeeded')).toHaveLength(1);
      expect(eventsFor(p.id)).toHaveLength(2);
    });
  });

  it('never refunds more than was paid under 20 concurrent partial refunds', async () => {
    const p = (await create({ amount: 1000 })).body;
    await sim('/_payer/pay', { reference: p.next_action!.qr_code, outcome: 'success' });
    await until(p.id, 'succeeded');
    const results = await Promise.all(Array.from({ length: 20 }, () => gw.api<Refund & { error?: { code: string } }>(m.key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 70 })));
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 422);
    expect(ok).toHaveLength(14); // 14 × 70 = 980 ≤ 1000 < 15 × 70
    expect(refused).toHaveLength(6);
    expect(refused.every((r) => r.body.error?.code === 'REFUND.AMOUNT_EXCEEDS_REFUNDABLE')).toBe(true);
    await waitFor(async () => (await get(p.id)).amount_refunded === 980 || undefined, { what: 'refunds settled' });
    const rest = await gw.api<Refund>(m.key, 'POST', '/v1/refunds', { payment_id: p.id });
    expect(rest.status).toBe(201);
    expect(rest.body.amount).toBe(20);
    expect(rest.body.status).toBe('succeeded');
    const over = await gw.api<{ error: { code: string } }>(m.key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 1 });
    expect(over.status).toBe(422);
    expect((await get(p.id)).amount_refunded).toBe(1000);
    const list = await gw.api<{ data: Refund[] }>(m.key, 'GET', `/v1/refunds?payment_id=${p.id}&limit=100`);
    expect(list.body.data).toHaveLength(15);
  });

  it('cancels an open payment at the provider; 422 when already paid', async () => {
    const p = (await create()).body;
    const c = await gw.api<Payment>(m.key, 'POST', `/v1/payments/${p.id}/cancel`);
    expect(c.status).toBe(200);
    expect(c.body.status).toBe('canceled');
    const payLate = await sim('/_payer/pay', { reference: p.next_action!.qr_code, outcome: 'success' });
    expect(payLate.status).toBeGreaterThanOrEqual(400);

    const q = (await create()).body;
    await sim('/_payer/pay', { reference: q.next_action!.qr_code, outcome: 'success' });
    await until(q.id, 'succeeded');
    const c2 = await gw.api<{ error: { code: string } }>(m.key, 'POST', `/v1/payments/${q.id}/cancel`);
    expect(c2.status).toBe(422);
    expect(c2.body.error.code).toBe('PAYMENT.STATE_FORBIDS_ACTION');
  });

  it('expires an unpaid payment after expires_in_seconds', async () => {
    const p = (await create({ expires_in_seconds: 5 })).body;
    const done = await until(p.id, 'expired');
    expect(done.next_action).toBeNull();
    const ev = await gw.rt.ctx.db.selectFrom('events').select('type').where('object_id', '=', p.id).execute();
    expect(ev.map((e) => e.type)).toEqual(['payment.expired']);
  });

  it('keeps merchants apart: another merchant gets 404', async () => {
    const p = (await create()).body;
    const other = await sandboxMerchant(gw);
    const r = await gw.api<{ error: { code: string } }>(other.key, 'GET', `/v1/payments/${p.id}`);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('PAYMENT.NOT_FOUND');
    const refund = await gw.api<{ error: { code: string } }>(other.key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 1 });
    expect(refund.status).toBe(404);
    const list = await gw.api<{ data: Payment[] }>(other.key, 'GET', '/v1/payments');
    expect(list.body.data).toHaveLength(0);
  });

  it('paginates newest first with starting_after', async () => {
    const mm = await sandboxMerchant(gw);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await gw.api<Payment>(mm.key, 'POST', '/v1/payments', { amount: 1, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `PG-${i}` })).body.id);
    const page1 = await gw.api<{ data: Payment[]; has_more: boolean }>(mm.key, 'GET', '/v1/payments?limit=2');
    expect(page1.body.has_more).toBe(true);
    const page2 = await gw.api<{ data: Payment[]; has_more: boolean }>(mm.key, 'GET', `/v1/payments?limit=2&starting_after=${page1.body.data[1]!.id}`);
    const page3 = await gw.api<{ data: Payment[]; has_more: boolean }>(mm.key, 'GET', `/v1/payments?limit=2&starting_after=${page2.body.data[1]!.id}`);
    expect(page3.body.has_more).toBe(false);
    expect([...page1.body.data, ...page2.body.data, ...page3.body.data].map((p) => p.id)).toEqual([...ids].reverse());
  });
});
