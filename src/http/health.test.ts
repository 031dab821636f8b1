/**
 * GET /admin/provider_accounts/{id}/health follows the account's breaker through closed →
 * open → half-open → closed, and /metrics exposes the breaker and the issue-6 metrics.
 */
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAccount } from '../app/accounts.js';
import { callAccount } from '../app/provider-auth.js';
import { isCircuitOpen } from '../app/resilience.js';
import { sandboxMerchant, startGateway, startReceiver, waitFor, type Gateway } from '../test-support/harness.js';

interface Health {
  object: string; provider_account_id: string; provider: string; node: string;
  breaker: { state: string; since: string; half_open_after_ms: number };
  window: { calls: number; failures: number; failure_rate: number };
  bulkhead: { executing: number; queued: number; limit: number };
  last_error: { code: string; message: string; at: string } | null;
}

const HALF_OPEN_MS = 300;

describe('provider account health and metrics', () => {
  let gw: Gateway;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;

  const health = async () => gw.admin<Health>('GET', `/admin/provider_accounts/${m.accountId}/health`);
  const faults = (f: Record<string, number>) => fetch(`${gw.url}/sandbox/alipay/_faults`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error_rate: 0, timeout_rate: 0, latency_ms: 0, ...f }),
  });
  const metrics = async () => (await fetch(`${gw.url}/metrics`)).text();
  const breakerLine = (text: string) => text.split('\n').find((l) => l.startsWith(`paygate_provider_breaker_state{provider="alipay",provider_account_id="${m.accountId}"}`));
  let n = 0;
  const query = async () => {
    const acc = (await loadAccount(gw.rt.ctx, m.accountId))!;
    const ref = `pay_h${n++}`;
    return callAccount(gw.rt.ctx, acc, 'query', (c) => acc.connector.query.build(c, ref), (c, res) => acc.connector.query.parse(c, ref, 'CNY', res));
  };

  beforeAll(async () => {
    gw = await startGateway({
      db: 'sqlite',
      env: { PAYGATE_PROVIDER_TIMEOUT_MS: '1500', PAYGATE_BREAKER_WINDOW_MS: '2000', PAYGATE_BREAKER_MIN_CALLS: '5', PAYGATE_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS) },
    });
    receiver = await startReceiver();
    m = await sandboxMerchant(gw, receiver.url, ['payment.succeeded']);
  });
  afterAll(async () => {
    await receiver?.close();
    await gw?.stop();
  });

  it('needs the admin token and answers 404 for an unknown account', async () => {
    const url = `${gw.url}/admin/provider_accounts/${m.accountId}/health`;
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('AUTH.INVALID_ADMIN_TOKEN');
    expect((await fetch(url, { headers: { authorization: `Bearer ${m.key}` } })).status).toBe(401);
    const unknown = await gw.admin<{ error: { code: string } }>('GET', '/admin/provider_accounts/pa_nosuchaccount/health');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('PROVIDER_ACCOUNT.NOT_FOUND');
  });

  it('shows closed, open and half-open as this node sees them', async () => {
    const fresh = await health();
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({
      object: 'provider_account_health', provider_account_id: m.accountId, provider: 'alipay', node: `${os.hostname()}:${process.pid}`,
      breaker: { state: 'closed', half_open_after_ms: HALF_OPEN_MS }, window: { calls: 0, failures: 0, failure_rate: 0 },
      bulkhead: { executing: 0, queued: 0 }, last_error: null,
    });

    // The provider answers "system error" to everything: 5 failed attempts (min calls) open the breaker.
    await faults({ error_rate: 1 });
    expect(await query()).toMatchObject({ code: 'CONNECTOR.UNAVAILABLE' });
    expect(await query()).toMatchObject({ code: 'CONNECTOR.CIRCUIT_OPEN' });
    const open = (await health()).body;
    expect(open.breaker.state).toBe('open');
    expect(open.window).toMatchObject({ calls: 5, failures: 5, failure_rate: 1 });
    expect(open.last_error?.code).toBe('CONNECTOR.UNAVAILABLE');
    expect(Date.parse(open.breaker.since)).toBeGreaterThan(Date.parse(fresh.body.breaker.since));
    expect(breakerLine(await metrics())).toMatch(/ 1$/);

    // Healthy but slow: the probe is in flight long enough to be seen half-open, holding one bulkhead slot.
    await faults({ latency_ms: 400 });
    await waitFor(() => !isCircuitOpen(gw.rt.ctx, m.accountId), { timeoutMs: HALF_OPEN_MS * 5, intervalMs: 10 });
    const probe = query();
    const probing = await waitFor(async () => {
      const h = (await health()).body;
      return h.breaker.state === 'half_open' ? h : undefined;
    }, { timeoutMs: 1000, intervalMs: 20, what: 'half-open' });
    expect(probing.bulkhead.executing).toBe(1);
    expect(breakerLine(await metrics())).toMatch(/ 2$/);
    expect(await probe).toMatchObject({ ok: true });
    await faults({});
    expect((await health()).body.breaker.state).toBe('closed');
    expect(breakerLine(await metrics())).toMatch(/ 0$/);
  });

  it('exposes provider errors, breaker transitions, payments by method, webhook lag and the oldest due job', async () => {
    const p = (await gw.api<{ id: string; next_action: { qr_code: string } }>(m.key, 'POST', '/v1/payments', { amount: 700, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'HM-1' })).body;
    await fetch(`${gw.url}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: p.next_action.qr_code, outcome: 'success' }) });
    await waitFor(() => receiver.received.length >= 1 || undefined, { what: 'webhook delivered' });
    // A job due a minute ago, held by a node that died: what the oldest-due gauge is for.
    const now = Date.now();
    await gw.rt.ctx.db.insertInto('jobs').values({ id: 'job_stuck_health_test', kind: 'expire_payment', ref_id: 'pay_stuck', run_at: now - 60_000, attempts: 1, payload: '{}', locked_by: 'dead-node', locked_until: now + 600_000, created_at: now - 60_000 }).execute();
    const text = await waitFor(async () => {
      const t = await metrics();
      return /^paygate_webhook_delivery_lag_seconds_count 1$/m.test(t) ? t : undefined;
    }, { what: 'lag observed' });
    await gw.rt.ctx.db.deleteFrom('jobs').where('id', '=', 'job_stuck_health_test').execute();

    expect(text).toMatch(/^paygate_payment_transitions_total\{provider="alipay",method="alipay_qr",status="succeeded"\} 1$/m);
    expect(text).toMatch(new RegExp(`^paygate_provider_breaker_transitions_total\\{provider="alipay",provider_account_id="${m.accountId}",to="open"\\} 1$`, 'm'));
    expect(text).toMatch(/^paygate_provider_call_errors_total\{provider="alipay",operation="query",code="CONNECTOR.UNAVAILABLE"\} 5$/m);
    expect(text).toMatch(/^paygate_provider_call_errors_total\{provider="alipay",operation="query",code="CONNECTOR.CIRCUIT_OPEN"\} 1$/m);
    expect(text).toMatch(/^paygate_provider_call_seconds_count\{provider="alipay",operation="create",outcome="ok"\} 1$/m);
    const age = Number(/^paygate_job_oldest_due_age_seconds (\S+)$/m.exec(text)?.[1]);
    expect(age).toBeGreaterThanOrEqual(60);
    expect(age).toBeLessThan(120);
    expect(text).toMatch(/^paygate_job_queue_depth \d+$/m);
  });
});
