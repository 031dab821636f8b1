import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseParams } from './form.js';
import { startStripeSimulator } from './standalone.js';

type Json = Record<string, unknown> & { id: string };
interface Hook { headers: http.IncomingHttpHeaders; body: string }

async function receiver(status: (h: Hook, all: Hook[]) => number = () => 200) {
  const got: Hook[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const h = { headers: req.headers, body };
      got.push(h);
      res.writeHead(status(h, got)).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, got, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const until = async <T,>(fn: () => T | undefined, ms = 5000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('stripe simulator', () => {
  let sim: Awaited<ReturnType<typeof startStripeSimulator>>;
  let key: string;
  let hooks: Awaited<ReturnType<typeof receiver>>;
  let endpointSecret: string;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stripe-sim-'));
  const call = async (method: string, p: string, params?: string, headers: Record<string, string> = {}, auth = `Bearer ${key}`) => {
    const res = await fetch(`${sim.url}${p}`, { method, headers: { authorization: auth, ...(params !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...headers }, ...(params !== undefined ? { body: params } : {}) });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Json & { error?: { type: string; code?: string; message: string } } };
  };
  const session = (currency = 'usd', amount = 2000, extra = '') =>
    call('POST', '/v1/checkout/sessions', `mode=payment&success_url=${encodeURIComponent('https://shop.example/ok?s={CHECKOUT_SESSION_ID}')}&cancel_url=https://shop.example/no&line_items[0][quantity]=1&line_items[0][price_data][currency]=${currency}&line_items[0][price_data][unit_amount]=${amount}&line_items[0][price_data][product_data][name]=Tee&metadata[paygate_reference]=att_1&payment_intent_data[metadata][paygate_reference]=att_1${extra}`);

  beforeAll(async () => {
    sim = await startStripeSimulator({ dataDir, timeScale: 0.0001 });
    key = sim.sim.registerAccount().secret_key;
    // The first payment_intent.succeeded delivery fails, so the retry is observable.
    hooks = await receiver((h, all) => (h.body.includes('"payment_intent.succeeded"') && all.filter((x) => x.body.includes('"payment_intent.succeeded"')).length === 1 ? 500 : 200));
    endpointSecret = (await call('POST', '/v1/webhook_endpoints', `url=${encodeURIComponent(hooks.url)}&enabled_events[]=*`)).body.secret as string;
  });
  afterAll(async () => {
    await hooks?.close();
    await sim?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('parses bracketed forms like Stripe', () => {
    expect(parseParams('a[b][0][c]=1&a[b][1][c]=2&expand[]=x&expand[]=y&m[k]=v+w')).toEqual({ a: { b: [{ c: '1' }, { c: '2' }] }, expand: ['x', 'y'], m: { k: 'v w' } });
    expect(() => parseParams('a=1&a[b]=2')).toThrow();
    expect(() => parseParams('a=1&a=2')).toThrow();
  });

  it('answers 401 in Stripe’s error shape for a missing or wrong key', async () => {
    const none = await call('GET', '/v1/payment_intents/pi_x', undefined, {}, '');
    expect(none.status).toBe(401);
    expect(none.body.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringMatching(/did not provide an API key/) });
    const wrong = await call('GET', '/v1/payment_intents/pi_x', undefined, {}, 'Bearer sk_test_wrongwrongwrong');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error?.message).toMatch(/^Invalid API Key provided: sk_test_\*+rong$/);
    expect((await call('GET', '/v1/payment_intents/pi_x')).status).toBe(404);
  });

  it('replays the same Idempotency-Key with the same params; refuses other params', async () => {
    const body = 'amount=1000&currency=eur&metadata[o]=1';
    const a = await call('POST', '/v1/payment_intents', body, { 'idempotency-key': 'k1' });
    const b = await call('POST', '/v1/payment_intents', body, { 'idempotency-key': 'k1' });
    expect(b.body.id).toBe(a.body.id);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    const c = await call('POST', '/v1/payment_intents', 'amount=1001&currency=eur', { 'idempotency-key': 'k1' });
    expect(c.status).toBe(400);
    expect(c.body.error?.type).toBe('idempotency_error');
    expect((await call('POST', '/v1/payment_intents', body)).body.id).not.toBe(a.body.id);
  });

  it('validates amounts per currency (KWD multiples of 10)', async () => {
    expect((await session('kwd', 12345)).body.error).toMatchObject({ type: 'invalid_request_error', param: 'line_items' });
    expect((await session('kwd', 12340)).body).toMatchObject({ amount_total: 12340, currency: 'kwd' });
  });

  it('checkout: page → Approve → 303 to success_url → signed webhooks, retried after a failure', async () => {
    const s = (await session()).body;
    expect(s).toMatchObject({ object: 'checkout.session', status: 'open', payment_intent: null });
    expect(s.url).toBe(`${sim.url}/sandbox/stripe/c/pay/${s.id}`);
    const html = await (await fetch(String(s.url))).text();
    expect(html).toContain('SANDBOX');
    expect(html).toContain('USD 20.00');
    const pay = await fetch(`${sim.url}/sandbox/stripe/_payer/pay`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `reference=${s.id}&outcome=success` });
    expect(pay.status).toBe(303);
    expect(pay.headers.get('location')).toBe(`https://shop.example/ok?s=${s.id}`);
    const after = (await call('GET', `/v1/checkout/sessions/${s.id}?expand[]=payment_intent`)).body;
    expect(after).toMatchObject({ status: 'complete', payment_status: 'paid', payment_intent: { object: 'payment_intent', status: 'succeeded', amount_received: 2000, metadata: { paygate_reference: 'att_1' } } });

    const hook = await until(() => hooks.got.filter((h) => h.body.includes('"payment_intent.succeeded"'))[1]);
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(hook.headers['stripe-signature'])) ?? [];
    expect(createHmac('sha256', endpointSecret).update(`${t}.${hook.body}`).digest('hex')).toBe(v1);
    expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(10);
    // First attempt got a 500: the same event id arrives again.
    expect(hooks.got.filter((h) => h.body.includes('"payment_intent.succeeded"')).map((h) => (JSON.parse(h.body) as Json).id)).toEqual([(JSON.parse(hook.body) as Json).id, (JSON.parse(hook.body) as Json).id]);
  });

  it('decline keeps the session open with last_payment_error; expire cancels the intent; paying later is refused', async () => {
    const s = (await session()).body;
    const r = await fetch(`${sim.url}/sandbox/stripe/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: s.id, outcome: 'fail' }) });
    const declined = (await r.json()) as { payment_intent: Json; session: Json };
    expect(declined.payment_intent).toMatchObject({ status: 'requires_payment_method', last_payment_error: { code: 'card_declined' } });
    expect(declined.session.status).toBe('open');
    const cancelDirect = await call('POST', `/v1/payment_intents/${declined.payment_intent.id}/cancel`, '');
    expect(cancelDirect.status).toBe(400);
    const expired = await call('POST', `/v1/checkout/sessions/${s.id}/expire`, '');
    expect(expired.body.status).toBe('expired');
    expect((await call('GET', `/v1/payment_intents/${declined.payment_intent.id}`)).body.status).toBe('canceled');
    expect((await call('POST', `/v1/checkout/sessions/${s.id}/expire`, '')).status).toBe(400);
    expect(sim.sim.pay.bind(sim.sim, s.id, 'success')).toThrow(/expired/);
  });

  it('refunds up to the charge, lists them, and books balance transactions', async () => {
    const s = (await session('jpy', 5000)).body;
    const paid = sim.sim.pay(s.id, 'success');
    const pi = paid.payment_intent!.id;
    expect((await call('POST', '/v1/refunds', `payment_intent=${pi}&amount=3000&metadata[paygate_refund]=r1`)).body).toMatchObject({ object: 'refund', amount: 3000, status: 'succeeded', currency: 'jpy' });
    expect((await call('POST', '/v1/refunds', `payment_intent=${pi}&amount=2001`)).body.error).toMatchObject({ code: 'amount_too_large' });
    expect((await call('POST', '/v1/refunds', `payment_intent=${pi}`)).body.amount).toBe(2000);
    expect((await call('POST', '/v1/refunds', `payment_intent=${pi}`)).body.error?.code).toBe('charge_already_refunded');
    const list = (await call('GET', `/v1/refunds?payment_intent=${pi}`)).body as unknown as { data: Json[] };
    expect(list.data.map((x) => x.amount)).toEqual([2000, 3000]);
    const txns = (await call('GET', '/v1/balance_transactions?limit=3')).body as unknown as { data: Array<{ type: string; amount: number; fee: number; net: number }>; has_more: boolean };
    expect(txns.data.map((x) => [x.type, x.amount])).toEqual([['refund', -2000], ['refund', -3000], ['charge', 5000]]);
    expect(txns.data[2]).toMatchObject({ fee: 145, net: 4855 });
    expect(txns.has_more).toBe(true);
  });

  it('faults: error_rate answers 500 with Stripe-Should-Retry and changes nothing', async () => {
    await fetch(`${sim.url}/sandbox/stripe/_faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error_rate: 1 }) });
    try {
      const r = await call('POST', '/v1/payment_intents', 'amount=100&currency=usd', { 'idempotency-key': 'fault-1' });
      expect(r.status).toBe(500);
      expect(r.headers.get('stripe-should-retry')).toBe('true');
    } finally {
      sim.sim.setFaults({ error_rate: 0 });
    }
    // Nothing was stored for the key: the retry executes.
    expect((await call('POST', '/v1/payment_intents', 'amount=100&currency=usd', { 'idempotency-key': 'fault-1' })).status).toBe(200);
    const bad = await fetch(`${sim.url}/_faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error_rat: 1 }) });
    expect(bad.status).toBe(400);
  });

  it('keeps accounts and objects in the data dir across restarts', async () => {
    const pi = (await call('POST', '/v1/payment_intents', 'amount=700&currency=gbp')).body.id;
    await sim.close();
    sim = await startStripeSimulator({ dataDir, timeScale: 0.0001 });
    expect((await call('GET', `/v1/payment_intents/${pi}`)).body).toMatchObject({ id: pi, amount: 700 });
  });
});
