/**
 * The budgets of unauthenticated traffic, each at a small setting: status streams per
 * payment and per node, the cashier's per-address rate and in-flight cap, the notification
 * budget (and that a refused notification is retried by the provider until it lands).
 * Every refusal carries a stable code and Retry-After, is counted in
 * paygate_admission_refused_total, and comes before any database work.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sandboxMerchant, startGateway, waitFor, type Gateway } from '../test-support/harness.js';
import { loopbackAddress, openStream, request, slowBody, targetOf, type RawConn } from '../test-support/attack.js';
import { classify } from './admission.js';
import { TEST_REDIS_URL, uniquePrefix } from '../test-support/redis.js';

type Payment = { id: string; status: string; next_action: { qr_code: string } };
type Err = { error: { code: string; message: string } };

describe('classify', () => {
  it('puts each route in its class; unknown paths are public pages', () => {
    expect(classify('/v1/payments/:id', '/v1/payments/x')).toBe('merchant');
    expect(classify('/admin/merchants', '/admin/merchants')).toBe('merchant');
    expect(classify(undefined, '/v1/no-such-route?x=1')).toBe('merchant');
    expect(classify('/pay/:id/events', '/pay/p/events')).toBe('stream');
    expect(classify('/pay/:id/status', '/pay/p/status')).toBe('cashier');
    expect(classify('/pay/:id', '/pay/p')).toBe('cashier');
    expect(classify('/openapi.json', '/openapi.json')).toBe('cashier');
    expect(classify(undefined, '/docs/static/index.html')).toBe('cashier');
    expect(classify(undefined, '/v1x')).toBe('cashier');
    expect(classify('/notify/:provider/:account', '/notify/alipay/pa')).toBe('notify');
    expect(classify(undefined, '/sandbox/alipay/nothing')).toBe('sandbox');
    for (const p of ['/healthz', '/readyz', '/metrics']) expect(classify(p, p)).toBe('ops');
    // The raw URL never decides for a known route: an encoded path is the route it reaches.
    expect(classify('/v1/payments', '/%761/payments')).toBe('merchant');
  });
});

describe('budgets of unauthenticated traffic', () => {
  let gw: Gateway;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;
  let n = 0;
  let from = 0;
  const held: RawConn[] = [];
  /** A fresh loopback source address: each call is a different client. */
  const client = () => loopbackAddress(from++);
  beforeAll(async () => {
    gw = await startGateway({
      db: 'sqlite',
      env: {
        PAYGATE_WORKER: 'false', PAYGATE_SSE_MAX_PER_PAYMENT: '3', PAYGATE_SSE_MAX_STREAMS: '5', PAYGATE_CASHIER_RATE_PER_IP: '5',
        PAYGATE_CASHIER_MAX_INFLIGHT: '3', PAYGATE_NOTIFY_MAX_INFLIGHT: '4', PAYGATE_MAX_INFLIGHT: '4',
      },
    });
    m = await sandboxMerchant(gw);
  });
  afterEach(async () => {
    for (const c of held.splice(0)) c.destroy();
    await waitFor(async () => /paygate_inflight\{class="stream"\} 0\b/.test(await metrics()) || undefined, { what: 'streams released' });
  });
  afterAll(async () => gw?.stop());

  const create = async () => (await gw.api<Payment>(m.key, 'POST', '/v1/payments', { amount: 100, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `B-${++n}` })).body;
  const metrics = async () => (await request(`${gw.url}/metrics`)).body;
  const refusedCount = async (cls: string, reason: string) => Number(new RegExp(`paygate_admission_refused_total\\{class="${cls}",reason="${reason}"\\} (\\d+)`).exec(await metrics())?.[1] ?? 0);
  const merchantOk = async () => {
    const r = await gw.api(m.key, 'GET', '/v1/payments?limit=1');
    expect(r.status).toBe(200);
  };

  it('caps status streams per payment (429) and per node (503), before looking the payment up', async () => {
    const t = targetOf(gw.url);
    const a = await create();
    const b = await create();
    for (let i = 0; i < 3; i++) held.push(await openStream(t, a.id, client()));
    expect(held.map((s) => s.status())).toEqual([200, 200, 200]);
    const before = await refusedCount('stream', 'per_payment');
    const fourth = await openStream(t, a.id, client());
    expect(fourth.status()).toBe(429);
    expect(fourth.received()).toMatch(/\r\nretry-after: 5\r\n/i);
    expect(fourth.received()).toContain('"code":"RATE_LIMIT.STREAMS_PER_PAYMENT"');
    fourth.destroy();
    expect(await refusedCount('stream', 'per_payment')).toBe(before + 1);

    for (let i = 0; i < 2; i++) held.push(await openStream(t, b.id, client()));
    expect(await metrics()).toMatch(/paygate_inflight\{class="stream"\} 5\b/);
    // The node is full: even a payment that does not exist is refused, not looked up (no 404).
    const full = await openStream(t, 'pay_00000000000000000000000000', client());
    expect(full.status()).toBe(503);
    expect(full.received()).toContain('"code":"RATE_LIMIT.NODE_BUSY"');
    expect(full.received()).toContain('PAYGATE_SSE_MAX_STREAMS');
    expect(full.received()).toMatch(/\r\nretry-after: 1\r\n/i);
    full.destroy();
    await merchantOk();

    // A stream that ends gives its slot back at once.
    held.shift()?.destroy();
    await waitFor(async () => (await openStream(t, a.id, client()).then((s) => (held.push(s), s.status()))) === 200 || undefined, { what: 'slot reused' });
  });

  it('limits each client address on the cashier pages and status polls (429 with Retry-After), not the others', async () => {
    const p = await create();
    const me = client();
    const statuses: number[] = [];
    let refusal: Awaited<ReturnType<typeof request>> | undefined;
    for (let i = 0; i < 8; i++) {
      const r = await request(`${gw.url}/pay/${p.id}/status`, { from: me });
      statuses.push(r.status);
      if (r.status === 429) refusal ??= r;
    }
    // A window may start mid-loop: at most 5 in the first window, then refusals; never more than 5+5.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    expect(refusal?.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect((JSON.parse(refusal?.body ?? '{}') as Err).error.code).toBe('RATE_LIMIT.CLIENT_EXCEEDED');
    expect(refusal?.headers['cache-control']).toBe('no-store');
    // The page and the stream count in the same window; another address is not affected.
    expect((await request(`${gw.url}/pay/${p.id}`, { from: me })).status).toBe(429);
    expect((await request(`${gw.url}/pay/${p.id}/status`, { from: client() })).status).toBe(200);
    // A proxy on loopback is trusted by default (PAYGATE_TRUST_PROXY=loopback): X-Forwarded-For names the client.
    expect((await request(`${gw.url}/pay/${p.id}/status`, { from: me, headers: { 'x-forwarded-for': '198.51.100.9' } })).status).toBe(200);
    expect(await refusedCount('cashier', 'client_rate')).toBeGreaterThanOrEqual(2);
    await merchantOk();
  });

  it('caps cashier requests in progress with 503 (buyers returning while the provider is slow), leaving the merchant API alone', async () => {
    const payments = [await create(), await create(), await create()];
    const sim = (faults: Record<string, unknown>) => request(`${gw.url}/sandbox/alipay/_faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
    expect((await sim({ latency_ms: 1500 })).status).toBe(200);
    try {
      // Each return asks the provider (one query per payment), which now takes 1.5 s: three hold the cashier's three slots.
      const returns = payments.map((p) => request(`${gw.url}/pay/${p.id}/return`, { from: client() }));
      await waitFor(async () => /paygate_inflight\{class="cashier"\} 3\b/.test(await metrics()) || undefined, { what: 'three cashier slots held' });
      const r = await request(`${gw.url}/pay/${payments[0]!.id}/status`, { from: client() });
      expect(r.status).toBe(503);
      expect(r.headers['retry-after']).toBe('1');
      expect((JSON.parse(r.body) as Err).error.message).toContain('PAYGATE_CASHIER_MAX_INFLIGHT');
      expect(await refusedCount('cashier', 'node_budget')).toBeGreaterThanOrEqual(1);
      await merchantOk();
      expect((await Promise.all(returns)).map((a) => a.status)).toEqual([303, 303, 303]);
      expect((await request(`${gw.url}/pay/${payments[0]!.id}/status`, { from: client() })).status).toBe(200);
    } finally {
      await sim({ latency_ms: 0 });
    }
  });

  it('caps notifications in progress (one address at most half); a refused one gets 503 and the provider retries until it lands', async () => {
    const t = targetOf(gw.url);
    const p = await create();
    const path = `/notify/alipay/${m.accountId}`;
    const one = client();
    for (let i = 0; i < 2; i++) held.push(await slowBody(t, { path, from: one }));
    await waitFor(async () => /paygate_inflight\{class="notify"\} 2\b/.test(await metrics()) || undefined, { what: 'two notify slots held' });
    // Half the budget from one address: its third is refused, another address still gets in.
    const third = await request(`${gw.url}${path}`, { from: one, method: 'POST', body: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(third.status).toBe(503);
    expect(third.headers['retry-after']).toBe('1');
    expect((JSON.parse(third.body) as Err).error.code).toBe('RATE_LIMIT.NODE_BUSY');
    expect(await refusedCount('notify', 'per_client')).toBe(1);
    const other = client();
    for (let i = 0; i < 2; i++) held.push(await slowBody(t, { path, from: other }));
    await waitFor(async () => /paygate_inflight\{class="notify"\} 4\b/.test(await metrics()) || undefined, { what: 'notify budget full' });

    // The buyer pays: the simulator's notification (from 127.0.0.1) is refused while the budget is full…
    const stored = async () => (await gw.rt.ctx.db.selectFrom('notifications').select('id').execute()).length;
    const storedBefore = await stored();
    const pay = await request(`${gw.url}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: p.next_action.qr_code, outcome: 'success' }) });
    expect(pay.status).toBe(200);
    await waitFor(async () => (await refusedCount('notify', 'node_budget')) >= 1 || undefined, { what: 'notification refused' });
    expect(await stored()).toBe(storedBefore); // refused before it was read, let alone stored
    await merchantOk();
    const mid = await gw.api<Payment>(m.key, 'GET', `/v1/payments/${p.id}`);
    expect(mid.body.status).toBe('requires_action');

    // …and lands on a retry once the slow bodies are gone.
    for (const c of held.splice(0)) c.destroy();
    await waitFor(async () => (await gw.api<Payment>(m.key, 'GET', `/v1/payments/${p.id}`)).body.status === 'succeeded' || undefined, { timeoutMs: 15_000, what: 'payment settled by the retried notification' });
  });
});

describe('the per-address rate is shared by every node through Redis', () => {
  let a: Gateway;
  let b: Gateway;
  beforeAll(async () => {
    const env = { REDIS_URL: TEST_REDIS_URL, PAYGATE_REDIS_PREFIX: uniquePrefix(), PAYGATE_WORKER: 'false', PAYGATE_SIMULATORS: 'false', PAYGATE_CASHIER_RATE_PER_IP: '6' };
    [a, b] = await Promise.all([startGateway({ db: 'sqlite', env }), startGateway({ db: 'sqlite', env })]);
    for (const gw of [a, b]) await waitFor(() => gw.rt.ctx.redis?.state === 'up' || undefined, { timeoutMs: 5000, what: 'redis up' });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('admits no more from one address across both nodes than the limit per window', async () => {
    const from = loopbackAddress(900);
    const statuses: number[] = [];
    const start = Date.now();
    // Admission comes before the lookup, so an unknown payment counts like a real one (404 when admitted).
    for (let i = 0; i < 12; i++) statuses.push((await request(`${(i % 2 ? b : a).url}/pay/pay_00000000000000000000000000/status`, { from })).status);
    const windows = Math.floor((Date.now() - start) / 1000) + 1;
    expect(statuses.every((s) => s === 404 || s === 429), statuses.join(',')).toBe(true);
    // Counted per node it would be 12 of 12 (6 each); shared, at most 6 per window.
    expect(statuses.filter((s) => s === 404).length).toBeLessThanOrEqual(6 * windows);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
  });
});
