/**
 * Admission (issue 11, fault 1): unauthenticated traffic — buyers' event streams, provider
 * notifications, requests with no valid key — has budgets of its own and never consumes the
 * merchant API's in-flight budget (PAYGATE_MAX_INFLIGHT).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sandboxMerchant, startGateway, type Gateway } from '../test-support/harness.js';
import { connect, openStream, slowBody, targetOf, until, type RawConn } from '../test-support/attack.js';

type Payment = { id: string };

describe('the merchant API is not starved by unauthenticated traffic', () => {
  let gw: Gateway;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;
  const held: RawConn[] = [];
  beforeAll(async () => {
    gw = await startGateway({ db: 'sqlite', env: { PAYGATE_MAX_INFLIGHT: '10', PAYGATE_SSE_MAX_PER_PAYMENT: '50', PAYGATE_WORKER: 'false' } });
    m = await sandboxMerchant(gw);
  });
  afterEach(() => {
    for (const c of held.splice(0)) c.destroy();
  });
  afterAll(async () => gw?.stop());

  const attacks: Array<[string, (t: ReturnType<typeof targetOf>, paymentId: string) => Promise<RawConn>]> = [
    ['event streams to one checkout link', (t, id) => openStream(t, id)],
    ['slow bodies to /notify', (t) => slowBody(t, { path: `/notify/alipay/${m.accountId}` })],
    // No valid key: such a request must not hold a merchant slot while its body trickles in.
    ['slow bodies to /v1 without a valid key', (t) => slowBody(t, { path: '/v1/payments', headers: { authorization: 'Bearer sk_test_not_a_real_key_000000', 'content-type': 'application/json' } })],
  ];
  it.each(attacks)('answers GET /v1/payments with 200 while %s outnumber PAYGATE_MAX_INFLIGHT', async (_what, attack) => {
    const p = (await gw.api<Payment>(m.key, 'POST', '/v1/payments', { amount: 100, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `ADM-${Date.now()}` })).body;
    const t = targetOf(gw.url);
    for (let i = 0; i < 15; i++) held.push(await attack(t, p.id));
    await new Promise((r) => setTimeout(r, 200)); // every request has reached the node
    for (let i = 0; i < 5; i++) {
      const r = await gw.api<{ error?: { code: string } }>(m.key, 'GET', '/v1/payments?limit=1');
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.headers.get('cache-control')).toBe('no-store');
    }
    // The attack is still in place (not refused or cut) while the merchant was served.
    expect(held.filter((c) => !c.socket.destroyed).length).toBe(15);
  });
});

describe('Cache-Control: no-store on the merchant and admin API', () => {
  let gw: Gateway;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;
  beforeAll(async () => {
    gw = await startGateway({ db: 'sqlite', env: { PAYGATE_WORKER: 'false' } });
    m = await sandboxMerchant(gw);
  });
  afterAll(async () => gw?.stop());

  it('is on every /v1 and /admin answer, errors included', async () => {
    const answers = [
      await gw.api(m.key, 'GET', '/v1/payments?limit=1'),
      await gw.api(m.key, 'POST', '/v1/payments', { amount: 100, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'CC-1' }),
      await gw.api('sk_test_unknown_key_0000000000000', 'GET', '/v1/payments'),
      await gw.api(m.key, 'GET', '/v1/payments/pay_00000000000000000000000000'),
      await gw.api(m.key, 'POST', '/v1/payments', '{"amount":'),
      await gw.api(m.key, 'GET', '/v1/no-such-route'),
      await gw.admin('GET', `/admin/merchants/${m.id}/provider_accounts`).then(async () => gw.api('test-admin-token-0123456789', 'GET', `/admin/merchants/${m.id}/provider_accounts`)),
      await gw.api('wrong-admin-token-000000000', 'GET', `/admin/merchants/${m.id}/provider_accounts`),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 201, 401, 404, 400, 404, 200, 401]);
    for (const a of answers) expect(a.headers.get('cache-control'), `${a.status} ${a.text.slice(0, 80)}`).toBe('no-store');
  });
});

describe('header, body and idle timeouts', () => {
  let gw: Gateway;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;
  const held: RawConn[] = [];
  beforeAll(async () => {
    gw = await startGateway({ db: 'sqlite', env: { PAYGATE_WORKER: 'false', PAYGATE_HEADERS_TIMEOUT_MS: '400', PAYGATE_REQUEST_TIMEOUT_MS: '800', PAYGATE_KEEPALIVE_TIMEOUT_MS: '500', PAYGATE_SOCKET_TIMEOUT_MS: '1000' } });
    m = await sandboxMerchant(gw);
  });
  afterEach(() => {
    for (const c of held.splice(0)) c.destroy();
  });
  afterAll(async () => gw?.stop());

  it('closes a connection whose headers trickle in after PAYGATE_HEADERS_TIMEOUT_MS', async () => {
    const c = await connect(targetOf(gw.url));
    held.push(c);
    const start = Date.now();
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => c.socket.write('X-Slow: 1\r\n'), 100);
    const closedAt = await Promise.race([c.closed, new Promise<number>((r) => setTimeout(() => r(0), 5000))]);
    clearInterval(trickle);
    expect(closedAt, 'closed by the server').toBeGreaterThan(0);
    // Checked every quarter of the shortest timeout: closed between 400 ms and about 400 + 100 + slack.
    expect(closedAt - start).toBeGreaterThanOrEqual(350);
    expect(closedAt - start).toBeLessThan(2500);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a connection that never sends a request after PAYGATE_HEADERS_TIMEOUT_MS', async () => {
    const c = await connect(targetOf(gw.url));
    held.push(c);
    const start = Date.now();
    const closedAt = await Promise.race([c.closed, new Promise<number>((r) => setTimeout(() => r(0), 5000))]);
    expect(closedAt, 'closed by the server').toBeGreaterThan(0);
    expect(closedAt - start).toBeLessThan(2500);
  });

  it.each(['/notify/alipay/pa_00000000000000000000000000', '/v1/payments'])('closes a slow body to %s after PAYGATE_REQUEST_TIMEOUT_MS', async (path) => {
    const start = Date.now();
    const c = await slowBody(targetOf(gw.url), { path, everyMs: 50, headers: { authorization: `Bearer ${m.key}`, 'content-type': 'application/json' } });
    held.push(c);
    const closedAt = await Promise.race([c.closed, new Promise<number>((r) => setTimeout(() => r(0), 5000))]);
    expect(closedAt, 'closed by the server').toBeGreaterThan(0);
    expect(closedAt - start).toBeGreaterThanOrEqual(750);
    expect(closedAt - start).toBeLessThan(3000);
    expect(c.sent()).toBeGreaterThan(5); // it was trickling, not idle
  });

  it('closes an idle keep-alive connection after PAYGATE_KEEPALIVE_TIMEOUT_MS', async () => {
    const c = await connect(targetOf(gw.url));
    held.push(c);
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await until(c, /\r\n\r\n[\s\S]*ok/i, 2000)).toBe(true);
    const answered = Date.now();
    const closedAt = await Promise.race([c.closed, new Promise<number>((r) => setTimeout(() => r(0), 5000))]);
    expect(closedAt, 'closed by the server').toBeGreaterThan(0);
    expect(closedAt - answered).toBeGreaterThanOrEqual(400);
    expect(closedAt - answered).toBeLessThan(2500);
  });

  it('keeps a healthy event stream open well past every timeout (heartbeats), and still serves it', async () => {
    const p = (await gw.api<Payment>(m.key, 'POST', '/v1/payments', { amount: 100, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'TO-1' })).body;
    const s = await openStream(targetOf(gw.url), p.id);
    held.push(s);
    expect(s.status()).toBe(200);
    await new Promise((r) => setTimeout(r, 3000)); // 3 × the socket timeout, 7 × the headers timeout
    expect(s.socket.destroyed).toBe(false);
    expect(s.received()).toMatch(/: hb\n\n/);
    await gw.api(m.key, 'POST', `/v1/payments/${p.id}/cancel`, {});
    expect(await until(s, /"status":"canceled"/, 3000)).toBe(true);
  });
});
