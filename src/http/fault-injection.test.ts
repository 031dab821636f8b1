/**
 * The article's ticketing case: account A's provider fails 30% of creates and hangs on 5%;
 * with fallback to account B the merchant must see ≥ 99.2% of payments created and
 * ≤ 0.8% timeouts. A refusal falls back to B at once; a hang may have made the order at A,
 * so that create is answered 504 with safe_to_repeat and the merchant's repeat resumes it
 * (same out_trade_no) — counted here as the merchant sees it in the end. A's circuit breaker must open under that failure rate (so later
 * payments stop paying A's timeout) and close again once A recovers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlipaySimulator } from '../simulators/alipay/index.js';
import { startGateway, waitFor, type Gateway } from '../test-support/harness.js';

type Sim = Awaited<ReturnType<typeof startAlipaySimulator>>;
interface PaymentBody { id: string; attempts: Array<{ provider_account_id: string; status: string }>; routing?: Array<{ reason: string }> }
interface Health { breaker: { state: string } }

const N = 1000;
const CONCURRENCY = 25;
/** The merchant's waits before each repeat of a safe_to_repeat create (src/bench/cluster-client.ts uses the same). */
const REPEAT_BACKOFF_MS = [250, 500, 1000, 2000];

describe('fault injection with fallback (PostgreSQL)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-faults-'));
  let gw: Gateway;
  let simA: Sim;
  let simB: Sim;
  let key = '';
  let accA = '';
  let accB = '';

  const faults = (sim: Sim, body: Record<string, unknown>) => fetch(`${sim.url}/sandbox/alipay/_faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const health = async () => (await gw.admin<Health>('GET', `/admin/provider_accounts/${accA}/health`)).body.breaker.state;

  beforeAll(async () => {
    simA = await startAlipaySimulator({ port: 0, dataDir: path.join(dir, 'a'), timeScale: 0.001 });
    simB = await startAlipaySimulator({ port: 0, dataDir: path.join(dir, 'b'), timeScale: 0.001 });
    gw = await startGateway({
      db: 'postgres',
      env: {
        PAYGATE_SIMULATORS: 'false', PAYGATE_PROVIDER_TIMEOUT_MS: '800',
        PAYGATE_BREAKER_WINDOW_MS: '3000', PAYGATE_BREAKER_HALF_OPEN_MS: '1000',
      },
    });
    const m = await gw.admin<{ id: string; secret_key: string }>('POST', '/admin/merchants', { name: 'Ticketing' });
    key = m.body.secret_key;
    const account = async (sim: Sim) => (await gw.admin<{ id: string }>('POST', `/admin/merchants/${m.body.id}/provider_accounts`, {
      provider: 'alipay', mode: 'sandbox', base_url: `${sim.url}/sandbox/alipay`, credentials: sim.sim.registerApp(),
    })).body.id;
    accA = await account(simA);
    accB = await account(simB);
    const put = await gw.admin('PUT', `/admin/merchants/${m.body.id}/routing`, {
      rules: [{ method: 'alipay_qr', strategy: 'ordered', accounts: [{ provider_account_id: accA }, { provider_account_id: accB }] }],
    });
    expect(put.status).toBe(200);
  });

  afterAll(async () => {
    await gw?.stop();
    await simA?.close();
    await simB?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates ≥ 99.2% of payments with ≤ 0.8% timeouts; A\'s breaker opens, then closes after recovery', { timeout: 240_000 }, async () => {
    expect((await faults(simA, { error_rate: 0.3, timeout_rate: 0.05 })).status).toBe(200);
    const outcomes = new Map<number, number>();
    const onAccount = new Map<string, number>();
    const states = new Set<string>();
    let next = 0;
    let unanswered = 0;
    let running = true;
    const sampler = (async () => {
      while (running) {
        states.add(await health());
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const client = async () => {
      while (next < N) {
        const i = next++;
        const body = { amount: 100 + i, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `T-${i}` };
        let r = await gw.api<PaymentBody & { error?: { safe_to_repeat?: boolean } }>(key, 'POST', '/v1/payments', body);
        // A create that got no answer from the provider says so (safe_to_repeat); the merchant
        // repeats it, as the error tells them, and the repeat resumes the same attempt — at A,
        // never B, so it backs off past A's 1 s half-open delay as the bench's client does
        // (three repeats 200 ms apart gave up while A's breaker was still open).
        for (let repeat = 0; repeat < REPEAT_BACKOFF_MS.length && r.body.error?.safe_to_repeat; repeat++) {
          unanswered++;
          await new Promise((res) => setTimeout(res, REPEAT_BACKOFF_MS[repeat]));
          r = await gw.api<PaymentBody & { error?: { safe_to_repeat?: boolean } }>(key, 'POST', '/v1/payments', body);
          if (r.status === 200) r = { ...r, status: 201 };
        }
        outcomes.set(r.status, (outcomes.get(r.status) ?? 0) + 1);
        if (r.status === 201) {
          const last = r.body.attempts[r.body.attempts.length - 1]!;
          onAccount.set(last.provider_account_id, (onAccount.get(last.provider_account_id) ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, client));
    running = false;
    await sampler;

    const created = outcomes.get(201) ?? 0;
    const timeouts = outcomes.get(504) ?? 0;
    // (unanswered: creates that hung at A, answered safe_to_repeat and were repeated — how many depends on how many calls reach A before its breaker opens)
    expect(created / N, JSON.stringify({ ...Object.fromEntries(outcomes), unanswered })).toBeGreaterThanOrEqual(0.992);
    expect(timeouts / N).toBeLessThanOrEqual(0.008);
    // Both accounts carried traffic: A while its breaker was closed or probing, B as the fallback.
    expect(onAccount.get(accA) ?? 0).toBeGreaterThan(0);
    expect(onAccount.get(accB) ?? 0).toBeGreaterThan(0);
    expect(states.has('open')).toBe(true);

    // A moved-on payment says why, and its failed attempt at A is listed.
    // (all of them: once A's breaker is open the newest payments go straight to B with one attempt)
    const all: PaymentBody[] = [];
    for (let after = ''; ;) {
      const page = await gw.api<{ data: PaymentBody[]; has_more: boolean }>(key, 'GET', `/v1/payments?limit=100${after && `&starting_after=${after}`}`);
      all.push(...page.body.data);
      if (!page.body.has_more || page.body.data.length === 0) break;
      after = page.body.data[page.body.data.length - 1]!.id;
    }
    expect(all).toHaveLength(N);
    const moved = all.find((p) => p.attempts.length > 1);
    expect(moved).toBeDefined();
    expect(moved!.attempts[0]!.provider_account_id).toBe(accA);
    expect(moved!.attempts[0]!.status).toBe('failed');
    expect(moved!.routing?.length ?? 0).toBeGreaterThan(0);
    // Never two live orders for one payment: every attempt but the last was refused by the provider.
    for (const p of all) expect(p.attempts.slice(0, -1).every((x) => x.status === 'failed'), p.id).toBe(true);

    // Recovery: A healthy again; traffic lets the half-open probe through and the breaker closes.
    expect((await faults(simA, { error_rate: 0, timeout_rate: 0 })).status).toBe(200);
    let j = 0;
    await waitFor(async () => {
      const r = await gw.api<PaymentBody>(key, 'POST', '/v1/payments', { amount: 1, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `R-${j++}` });
      expect(r.status).toBe(201);
      return (await health()) === 'closed' || undefined;
    }, { timeoutMs: 30_000, intervalMs: 100, what: 'A\'s breaker to close' });
    const after = await gw.api<PaymentBody>(key, 'POST', '/v1/payments', { amount: 2, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'R-final' });
    expect(after.status).toBe(201);
    expect(after.body.attempts).toHaveLength(1);
    expect(after.body.attempts[0]!.provider_account_id).toBe(accA);
  });
});
