/**
 * Routing with fallback across provider accounts: the admin API for rules, and creates
 * against two standalone Alipay simulators (A and B, each with its own fault injection),
 * on both databases. Every test makes its own merchant and accounts, so one test's failures
 * never open another's circuit breaker.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAlipaySimulator } from '../simulators/alipay/index.js';
import { DB_KINDS, startGateway, waitFor, type Gateway } from '../test-support/harness.js';

/** Accounts whose breaker a test declares open; the real breaker is exercised in its own tests. */
const openCircuits = new Set<string>();
vi.mock('../app/resilience.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../app/resilience.js')>();
  return { ...real, isCircuitOpen: (ctx: Parameters<typeof real.isCircuitOpen>[0], id: string) => openCircuits.has(id) || real.isCircuitOpen(ctx, id) };
});

type Err = { error: { code: string; message: string; field?: string; payment_id?: string; tried?: RoutingEntry[] } };
type RoutingEntry = { provider_account_id: string; attempt_id?: string; outcome: string; reason: string; at: string };
type Attempt = { id: string; provider_account_id: string; status: string; error: { code: string; message: string } | null };
type Payment = { id: string; status: string; payer_country: string | null; next_action: { qr_code: string } | null; attempts: Attempt[]; routing: RoutingEntry[] };
type Sim = Awaited<ReturnType<typeof startAlipaySimulator>>;

const TIMEOUT_MS = 400;

describe.each(DB_KINDS)('routing with fallback on %s', (db) => {
  let gw: Gateway;
  let simA: Sim;
  let simB: Sim;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-routing-'));
  let seq = 0;

  beforeAll(async () => {
    [gw, simA, simB] = await Promise.all([
      startGateway({ db, env: { PAYGATE_PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS) } }),
      startAlipaySimulator({ port: 0, dataDir: path.join(dir, 'a'), timeScale: 0.001 }),
      startAlipaySimulator({ port: 0, dataDir: path.join(dir, 'b'), timeScale: 0.001 }),
    ]);
  });
  afterEach(async () => {
    openCircuits.clear();
    await Promise.all([faults(simA, { error_rate: 0, timeout_rate: 0, latency_ms: 0 }), faults(simB, { error_rate: 0, timeout_rate: 0, latency_ms: 0 })]);
  });
  afterAll(async () => {
    await Promise.all([gw?.stop(), simA?.close(), simB?.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function faults(sim: Sim, f: Record<string, number>) {
    const r = await fetch(`${sim.url}/sandbox/alipay/_faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(f) });
    expect(r.status).toBe(200);
  }
  async function merchant() {
    const m = await gw.admin<{ id: string; secret_key: string }>('POST', '/admin/merchants', { name: `Routing ${++seq}` });
    expect(m.status).toBe(201);
    return m.body;
  }
  async function account(merchantId: string, sim: Sim, extra: Record<string, unknown> = {}, credentials: object = sim.sim.registerApp()) {
    const r = await gw.admin<{ id: string }>('POST', `/admin/merchants/${merchantId}/provider_accounts`, { provider: 'alipay', mode: 'sandbox', base_url: `${sim.url}/sandbox/alipay`, credentials, ...extra });
    expect(r.status).toBe(201);
    return r.body.id;
  }
  async function routing(merchantId: string, rules: unknown[]) {
    const r = await gw.admin<Err>('PUT', `/admin/merchants/${merchantId}/routing`, { rules });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
  /** A merchant with account A on simulator A and B on simulator B, routed A then B. */
  async function twoAccounts() {
    const m = await merchant();
    const a = await account(m.id, simA);
    const b = await account(m.id, simB);
    await routing(m.id, [{ method: 'alipay_qr', accounts: [{ provider_account_id: a }, { provider_account_id: b }] }]);
    return { key: m.secret_key, a, b };
  }
  const create = (key: string, body: Record<string, unknown>) =>
    gw.api<Payment & Err>(key, 'POST', '/v1/payments', { amount: 100, currency: 'CNY', method: 'alipay_qr', ...body });
  const get = async (key: string, id: string) => (await gw.api<Payment>(key, 'GET', `/v1/payments/${id}`)).body;
  const payAt = (sim: Sim, reference: string, outcome: 'success' | 'fail') =>
    fetch(`${sim.url}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference, outcome }) });
  const fallbacks = async (reason: string) => {
    const m = await gw.rt.ctx.metrics.routingFallbacks.get();
    return m.values.find((v) => v.labels.provider === 'alipay' && v.labels.reason === reason)?.value ?? 0;
  };

  describe('admin API', () => {
    it('validates rules with a code and the failing field', async () => {
      const m = await merchant();
      const other = await merchant();
      const a = await account(m.id, simA);
      const foreign = await account(other.id, simB);
      const stripe = await gw.admin<{ id: string }>('POST', `/admin/merchants/${m.id}/provider_accounts`, { provider: 'stripe', mode: 'sandbox', base_url: 'https://api.stripe.example', credentials: { secret_key: 'sk_test_routing01', webhook_secret: 'whsec_routing01' } });
      expect(stripe.status).toBe(201);
      const rule = (accounts: unknown[], more: Record<string, unknown> = {}) => ({ method: 'alipay_qr', accounts, ...more });
      const cases: Array<[unknown[], string, string]> = [
        [[rule([{ provider_account_id: a }, { provider_account_id: 'pa_0000000000aaaaaaaaaaaaaaaa' }])], 'ROUTING.INVALID_RULES', 'rules.0.accounts.1.provider_account_id'],
        [[rule([{ provider_account_id: foreign }])], 'ROUTING.INVALID_RULES', 'rules.0.accounts.0.provider_account_id'],
        [[rule([{ provider_account_id: a }]), rule([{ provider_account_id: stripe.body.id }])], 'ROUTING.INVALID_RULES', 'rules.1.accounts.0.provider_account_id'],
        [[rule([{ provider_account_id: a }], { strategy: 'weighted' })], 'ROUTING.INVALID_RULES', 'rules.0.accounts.0.weight'],
        [[rule([{ provider_account_id: a, weight: 0 }], { strategy: 'weighted' })], 'VALIDATION.INVALID_BODY', 'rules.0.accounts.0.weight'],
        [[rule([{ provider_account_id: a, weight: 1.5 }], { strategy: 'weighted' })], 'VALIDATION.INVALID_BODY', 'rules.0.accounts.0.weight'],
        [[rule([{ provider_account_id: a }], { conditions: { min_amount: 501, max_amount: 500 } })], 'ROUTING.INVALID_RULES', 'rules.0.conditions.min_amount'],
        [[rule([{ provider_account_id: a }], { conditions: { currencies: ['cny'] } })], 'VALIDATION.INVALID_BODY', 'rules.0.conditions.currencies.0'],
        [[rule([{ provider_account_id: a }], { conditions: { currencies: ['USD'] } })], 'ROUTING.INVALID_RULES', 'rules.0.conditions.currencies.0'],
        [[rule([{ provider_account_id: a }], { conditions: { payer_countries: ['CHN'] } })], 'VALIDATION.INVALID_BODY', 'rules.0.conditions.payer_countries.0'],
        [[rule([])], 'VALIDATION.INVALID_BODY', 'rules.0.accounts'],
      ];
      for (const [rules, code, field] of cases) {
        const r = await gw.admin<Err>('PUT', `/admin/merchants/${m.id}/routing`, { rules });
        expect(r.status, JSON.stringify(rules)).toBe(400);
        expect(r.body.error.code, JSON.stringify(rules)).toBe(code);
        expect(r.body.error.field, JSON.stringify(rules)).toBe(field);
      }
      const missing = await gw.admin<Err>('PUT', '/admin/merchants/mch_0000000000aaaaaaaaaaaaaaaa/routing', { rules: [] });
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('MERCHANT.NOT_FOUND');
      // Nothing invalid was stored.
      expect((await gw.admin('GET', `/admin/merchants/${m.id}/routing`)).body).toEqual({ object: 'routing', merchant_id: m.id, rules: [], updated_at: null });
    });

    it('stores the document and returns it; the OpenAPI document lists the routes', async () => {
      const m = await merchant();
      const a = await account(m.id, simA);
      const b = await account(m.id, simB);
      const rules = [
        { method: 'alipay_qr', strategy: 'weighted', accounts: [{ provider_account_id: a, weight: 3 }, { provider_account_id: b, weight: 1 }], conditions: { currencies: ['CNY'], min_amount: 1, max_amount: 500_000, payer_countries: ['CN'] } },
        { method: 'alipay_qr', accounts: [{ provider_account_id: b }] },
      ];
      const put = await gw.admin<{ updated_at: string }>('PUT', `/admin/merchants/${m.id}/routing`, { rules });
      expect(put.status).toBe(200);
      const got = await gw.admin('GET', `/admin/merchants/${m.id}/routing`);
      expect(got.body).toEqual({ object: 'routing', merchant_id: m.id, rules: [rules[0], { ...rules[1], strategy: 'ordered' }], updated_at: put.body.updated_at });
      const doc = (await (await fetch(`${gw.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
      expect(Object.keys(doc.paths['/admin/merchants/{id}/routing'] ?? {}).sort()).toEqual(['get', 'put']);
    });
  });

  describe('creates', () => {
    it('falls back from an erroring account to the next: attempts, routing log, metric', async () => {
      const { key, a, b } = await twoAccounts();
      await faults(simA, { error_rate: 1 });
      const before = await fallbacks('CONNECTOR.UNAVAILABLE');
      const r = await create(key, { merchant_order_id: 'ERR-1' });
      expect(r.status, r.text).toBe(201);
      const p = r.body;
      expect(p.next_action?.qr_code).toContain(simB.url);
      expect(p.attempts.map((x) => [x.provider_account_id, x.status])).toEqual([[a, 'failed'], [b, 'requires_action']]);
      expect(p.attempts[0]!.error?.code).toMatch(/isp\.unknow-error/);
      expect(p.routing).toEqual([{ provider_account_id: a, attempt_id: p.attempts[0]!.id, outcome: 'failed', reason: 'CONNECTOR.UNAVAILABLE', at: expect.any(String) }]);
      expect(await fallbacks('CONNECTOR.UNAVAILABLE')).toBe(before + 1);
      // The buyer pays on B; the payment follows.
      expect((await payAt(simB, p.next_action!.qr_code, 'success')).status).toBe(200);
      await waitFor(async () => (await get(key, p.id)).status === 'succeeded' || undefined, { what: 'payment succeeded on B' });
    });

    it('a timeout holds the attempt: no fallback, one timeout of waiting; the repeat resumes it at A with the same out_trade_no', async () => {
      // Issue 12: the provider may have made the order during a call that timed out, so
      // routing must not replace it with a second one at B; the merchant's repeat resumes it.
      const { key, a } = await twoAccounts();
      await faults(simA, { timeout_rate: 1 });
      const started = Date.now();
      const r = await create(key, { merchant_order_id: 'TMO-1' });
      expect(r.status, r.text).toBe(504);
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 2.5);
      expect(r.body.error.code).toBe('CONNECTOR.TIMEOUT');
      expect(r.body.error.tried?.map((e) => [e.provider_account_id, e.outcome, e.reason])).toEqual([[a, 'unanswered', 'CONNECTOR.TIMEOUT']]);
      const held = await get(key, r.body.error.payment_id!);
      expect(held.attempts.map((x) => [x.provider_account_id, x.status, x.error?.code ?? null])).toEqual([[a, 'requires_action', 'CONNECTOR.TIMEOUT']]);
      expect(held.next_action).toBeNull();
      await faults(simA, { timeout_rate: 0 });
      const again = await create(key, { merchant_order_id: 'TMO-1' });
      expect(again.status, again.text).toBe(200);
      expect(again.body.attempts.map((x) => [x.id, x.provider_account_id, x.status, x.error])).toEqual([[held.attempts[0]!.id, a, 'requires_action', null]]);
      expect(again.body.next_action?.qr_code).toContain(simA.url);
      // Paid at A: the payment succeeds on its one attempt.
      expect((await payAt(simA, again.body.next_action!.qr_code, 'success')).status).toBe(200);
      const paid = await waitFor(async () => { const p = await get(key, held.id); return p.status === 'succeeded' ? p : undefined; }, { what: 'held order paid' });
      expect(paid.attempts.map((x) => [x.provider_account_id, x.status])).toEqual([[a, 'succeeded']]);
    });

    it('a non-retryable refusal fails the payment without trying the next account', async () => {
      const m = await merchant();
      const app = simA.sim.registerApp();
      // A key A does not know for this app id: Alipay refuses the signature (isv.invalid-signature).
      const wrongKey = await account(m.id, simA, {}, { ...app, private_key: simA.sim.registerApp().private_key });
      const b = await account(m.id, simB);
      await routing(m.id, [{ method: 'alipay_qr', accounts: [{ provider_account_id: wrongKey }, { provider_account_id: b }] }]);
      const r = await create(m.secret_key, { merchant_order_id: 'REJ-1' });
      expect(r.status).toBe(502);
      expect(r.body.error.code).toBe('CONNECTOR.AUTH_FAILED');
      const p = await get(m.secret_key, r.body.error.payment_id!);
      expect(p.status).toBe('failed');
      expect(p.attempts.map((x) => [x.provider_account_id, x.status])).toEqual([[wrongKey, 'failed']]);
      expect(p.routing).toEqual([]);
    });

    it('exhausted: the last failure with the tried accounts; a repeated create routes again', async () => {
      const { key, a, b } = await twoAccounts();
      await Promise.all([faults(simA, { error_rate: 1 }), faults(simB, { error_rate: 1 })]);
      const r = await create(key, { merchant_order_id: 'EXH-1' });
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('CONNECTOR.UNAVAILABLE');
      expect(r.body.error.tried?.map((e) => [e.provider_account_id, e.outcome, e.reason])).toEqual([[a, 'failed', 'CONNECTOR.UNAVAILABLE'], [b, 'failed', 'CONNECTOR.UNAVAILABLE']]);
      await faults(simA, { error_rate: 0 });
      const again = await create(key, { merchant_order_id: 'EXH-1' });
      expect(again.status, again.text).toBe(200);
      expect(again.body.id).toBe(r.body.error.payment_id);
      expect(again.body.next_action?.qr_code).toContain(simA.url);
      expect(again.body.attempts.map((x) => [x.provider_account_id, x.status])).toEqual([[a, 'failed'], [b, 'failed'], [a, 'requires_action']]);
      expect(again.body.routing.map((e) => e.reason)).toEqual(['CONNECTOR.UNAVAILABLE', 'CONNECTOR.UNAVAILABLE']);
      // Answered now: a third create returns it as it is.
      expect((await create(key, { merchant_order_id: 'EXH-1' })).body.attempts).toHaveLength(3);
    });

    it('A refuses, B gives no answer: B\'s attempt is held, and the repeat resumes it at B rather than routing again', async () => {
      const { key, a, b } = await twoAccounts();
      await Promise.all([faults(simA, { error_rate: 1 }), faults(simB, { timeout_rate: 1 })]);
      const r = await create(key, { merchant_order_id: 'EXH-2' });
      expect(r.status).toBe(504);
      expect(r.body.error.code).toBe('CONNECTOR.TIMEOUT');
      expect(r.body.error.tried?.map((e) => [e.provider_account_id, e.outcome, e.reason])).toEqual([[a, 'failed', 'CONNECTOR.UNAVAILABLE'], [b, 'unanswered', 'CONNECTOR.TIMEOUT']]);
      // A is healthy again, but B may hold the order: the repeat goes to B, not to A.
      await Promise.all([faults(simA, { error_rate: 0 }), faults(simB, { timeout_rate: 0 })]);
      const again = await create(key, { merchant_order_id: 'EXH-2' });
      expect(again.status, again.text).toBe(200);
      expect(again.body.next_action?.qr_code).toContain(simB.url);
      expect(again.body.attempts.map((x) => [x.provider_account_id, x.status])).toEqual([[a, 'failed'], [b, 'requires_action']]);
      expect(again.body.routing.map((e) => [e.outcome, e.reason])).toEqual([['failed', 'CONNECTOR.UNAVAILABLE'], ['unanswered', 'CONNECTOR.TIMEOUT']]);
    });

    it('skips an account whose circuit is open, without calling it', async () => {
      const { key, a, b } = await twoAccounts();
      openCircuits.add(a);
      await faults(simA, { error_rate: 1 }); // would fail if it were called
      const r = await create(key, { merchant_order_id: 'CB-1' });
      expect(r.status, r.text).toBe(201);
      expect(r.body.attempts.map((x) => x.provider_account_id)).toEqual([b]);
      expect(r.body.routing.map((e) => [e.provider_account_id, e.outcome, e.reason, e.attempt_id])).toEqual([[a, 'skipped', 'CIRCUIT_OPEN', undefined]]);
      openCircuits.add(b);
      const none = await create(key, { merchant_order_id: 'CB-2' });
      expect(none.status).toBe(503);
      expect(none.body.error.code).toBe('ROUTING.NO_ACCOUNT_AVAILABLE');
      expect(none.body.error.tried?.map((e) => e.reason)).toEqual(['CIRCUIT_OPEN', 'CIRCUIT_OPEN']);
    });

    it('conditions choose the rule: amount range, payer country, currency; pinning overrides', async () => {
      const m = await merchant();
      const [big, hk, rest] = [await account(m.id, simA), await account(m.id, simB), await account(m.id, simA)];
      await routing(m.id, [
        { method: 'alipay_qr', accounts: [{ provider_account_id: big }], conditions: { currencies: ['CNY'], min_amount: 50_000, max_amount: 1_000_000 } },
        { method: 'alipay_qr', accounts: [{ provider_account_id: hk }], conditions: { payer_countries: ['HK', 'MO'] } },
        { method: 'alipay_qr', accounts: [{ provider_account_id: rest }] },
      ]);
      const accountOf = async (body: Record<string, unknown>) => {
        const r = await create(m.secret_key, body);
        expect(r.status, r.text).toBe(201);
        return r.body.attempts.map((x) => x.provider_account_id);
      };
      expect(await accountOf({ merchant_order_id: 'C-1', amount: 50_000 })).toEqual([big]);
      expect(await accountOf({ merchant_order_id: 'C-2', amount: 1_000_001, payer_country: 'HK' })).toEqual([hk]);
      expect(await accountOf({ merchant_order_id: 'C-3', amount: 49_999, payer_country: 'CN' })).toEqual([rest]);
      expect(await accountOf({ merchant_order_id: 'C-4', amount: 49_999 })).toEqual([rest]);
      expect(await accountOf({ merchant_order_id: 'C-5', amount: 60_000, provider_account_id: hk })).toEqual([hk]);
      const stored = await create(m.secret_key, { merchant_order_id: 'C-6', payer_country: 'MO' });
      expect(stored.body.payer_country).toBe('MO');
      const bad = await create(m.secret_key, { merchant_order_id: 'C-7', payer_country: 'hk' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.field).toBe('payer_country');
    });

    it('without rules, every account of the provider is a fallback, oldest first', async () => {
      const m = await merchant();
      const a = await account(m.id, simA);
      const b = await account(m.id, simB);
      await faults(simA, { error_rate: 1 });
      const r = await create(m.secret_key, { merchant_order_id: 'DEF-1' });
      expect(r.status, r.text).toBe(201);
      expect(r.body.attempts.map((x) => [x.provider_account_id, x.status])).toEqual([[a, 'failed'], [b, 'requires_action']]);
    });

    it('daily limit holds under concurrent creates: exactly the limit on A, the rest on B', { timeout: 60_000 }, async () => {
      const m = await merchant();
      const a = await account(m.id, simA, { daily_limit: 1000 });
      const b = await account(m.id, simB);
      await routing(m.id, [{ method: 'alipay_qr', accounts: [{ provider_account_id: a }, { provider_account_id: b }] }]);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => create(m.secret_key, { merchant_order_id: `DL-${i}`, amount: 100 })));
      for (const r of results) expect(r.status, r.text).toBe(201);
      const onA = results.filter((r) => r.body.attempts.length === 1 && r.body.attempts[0]!.provider_account_id === a);
      const onB = results.filter((r) => r.body.attempts.length === 1 && r.body.attempts[0]!.provider_account_id === b);
      expect([onA.length, onB.length]).toEqual([10, 10]);
      for (const r of onB) expect(r.body.routing.map((e) => [e.provider_account_id, e.outcome, e.reason])).toEqual([[a, 'skipped', 'DAILY_LIMIT']]);
      const usage = await gw.rt.ctx.db.selectFrom('account_daily_usage').selectAll().where('provider_account_id', 'in', [a, b]).execute();
      expect(usage.map((u) => [u.provider_account_id, Number(u.amount), Number(u.count)])).toEqual([[a, 1000, 10]]);
    });
  });
});
