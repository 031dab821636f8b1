import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observePayment } from '../app/payment-transitions.js';
import { PROVIDER_WARN_INTERVAL_MS, warnIfUnreachable } from '../app/provider-warn.js';
import { ADMIN_TOKEN, sandboxMerchant, startGateway, waitFor, type Gateway } from '../test-support/harness.js';

type Line = Record<string, unknown> & { level: number; msg: string };
const WARN = 40;
const ERROR = 50;
const INFO = 30;

describe('logs at LOG_LEVEL=info', () => {
  let gw: Gateway;
  const raw: string[] = [];
  const lines = (): Line[] => raw.map((l) => JSON.parse(l) as Line);
  beforeAll(async () => {
    gw = await startGateway({ db: 'sqlite', env: { LOG_LEVEL: 'info' }, logDestination: { write: (line: string) => { raw.push(line); } } });
  });
  afterAll(async () => { await gw?.stop(); });

  const create = (key: string, order: string) => gw.api<{ id: string; status: string; attempts: Array<{ id: string }>; next_action: { qr_code: string } }>(key, 'POST', '/v1/payments', { amount: 500, currency: 'CNY', method: 'alipay_qr', merchant_order_id: order });

  it('one line per request: method, route, status, duration, request id, merchant — no secrets; probes at debug', async () => {
    const m = await sandboxMerchant(gw);
    const before = raw.length;
    const r = await create(m.key, 'LOG-1');
    expect(r.status).toBe(201);
    const missing = await gw.api(m.key, 'GET', '/v1/payments/pay_00000000000000000000000000');
    expect(missing.status).toBe(404);
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${gw.url}/metrics`)).status).toBe(200);
    const requests = await waitFor(() => { const l = lines().slice(before).filter((x) => x.msg === 'request'); return l.length >= 2 ? l : undefined; });
    const created = requests.find((x) => x.request_id === r.headers.get('request-id'))!;
    expect(created).toMatchObject({ level: INFO, method: 'POST', route: '/v1/payments', status: 201, merchant_id: m.id });
    expect(typeof created.duration_ms).toBe('number');
    expect(requests.find((x) => x.request_id === missing.headers.get('request-id'))).toMatchObject({ route: '/v1/payments/:id', status: 404, merchant_id: m.id });
    expect(requests.filter((x) => x.route === '/healthz' || x.route === '/metrics')).toEqual([]);
    // The simulator's half of the create (Paygate calling /sandbox/alipay/gateway.do) is debug too.
    expect(requests.filter((x) => String(x.route).startsWith('/sandbox/'))).toEqual([]);
    const text = raw.slice(before).join('');
    expect(text).not.toContain(m.key);
    expect(text).not.toContain(ADMIN_TOKEN);
  });

  it('a payment that ends is logged at info; one that becomes conflict at error', async () => {
    const m = await sandboxMerchant(gw);
    const paid = (await create(m.key, 'LOG-2')).body;
    await fetch(`${gw.url}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: paid.next_action.qr_code, outcome: 'success' }) });
    const ok = await waitFor(() => lines().find((l) => l.payment_id === paid.id && l.to === 'succeeded'));
    expect(ok).toMatchObject({ level: INFO, merchant_id: m.id, provider: 'alipay', amount: 500, currency: 'CNY' });
    expect(['requires_action', 'processing']).toContain(ok.from);

    const late = (await create(m.key, 'LOG-3')).body;
    expect((await gw.api(m.key, 'POST', `/v1/payments/${late.id}/cancel`)).status).toBe(200);
    await waitFor(() => lines().find((l) => l.payment_id === late.id && l.to === 'canceled' && l.level === INFO));
    // The buyer's money arrives after the cancel: the state table makes it conflict.
    expect(await observePayment(gw.rt.ctx, { paymentId: late.id, attemptId: late.attempts[0]!.id, observed: 'succeeded', source: 'notification' })).toMatchObject({ to: 'conflict' });
    const conflict = lines().find((l) => l.payment_id === late.id && l.to === 'conflict')!;
    expect(conflict).toMatchObject({ level: ERROR, from: 'canceled', source: 'notification', attempt_id: late.attempts[0]!.id });
    expect(conflict.msg).toMatch(/refund or reconcile/);
  });

  it('a provider that does not answer is a warning, once a minute per account however many calls fail', async () => {
    const m = await sandboxMerchant(gw);
    const closed = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(port));
      });
    });
    const down = (await gw.admin<{ id: string }>('POST', `/admin/merchants/${m.id}/provider_accounts`, {
      provider: 'alipay', mode: 'sandbox', base_url: `http://127.0.0.1:${closed}/sandbox/alipay`, credentials: await gw.rt.simulators.alipay!.newAccountCredentials(),
    })).body.id;
    expect((await gw.admin('PUT', `/admin/merchants/${m.id}/routing`, { rules: [{ method: 'alipay_qr', accounts: [{ provider_account_id: down }] }] })).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await create(m.key, `LOG-DOWN-${i}`)).status).toBe(503);
    const warns = () => lines().filter((l) => l.level === WARN && l.provider_account_id === down);
    expect(warns()).toHaveLength(1);
    expect(warns()[0]).toMatchObject({ provider: 'alipay', code: 'CONNECTOR.UNAVAILABLE', delivery: 'unsent', suppressed_since_last: 0 });
    expect(String(warns()[0]!.msg)).toMatch(/alipay did not answer/);

    // A minute later the next failure writes one line again, with the failures it stood for.
    warnIfUnreachable(gw.rt.ctx, { provider: 'alipay', accountId: down }, 'precreate', { ok: false, code: 'CONNECTOR.TIMEOUT', retryable: true, message: 'timed out' }, Date.now() + PROVIDER_WARN_INTERVAL_MS + 1);
    expect(warns()).toHaveLength(2);
    expect(warns()[1]).toMatchObject({ code: 'CONNECTOR.TIMEOUT' });
    // The three later creates at least (a background job may have tried the account too).
    expect(warns()[1]!.suppressed_since_last).toBeGreaterThanOrEqual(3);
  });
});
