/**
 * The per-account policy against a standalone Alipay simulator, through a counting proxy
 * that sees every request that really leaves the gateway (and every one it abandons).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorFailure, CreateInput } from '../connectors/types.js';
import { loadConfig } from '../infra/config.js';
import { createTransport } from '../infra/http/transport.js';
import { createMetrics } from '../infra/metrics.js';
import type { ProviderAccountRow } from '../infra/db/schema.js';
import { startAlipaySimulator, type RegisteredApp } from '../simulators/alipay/index.js';
import { waitFor } from '../test-support/harness.js';
import type { LoadedAccount } from './accounts.js';
import { connectorFor } from './connectors.js';
import type { AppContext } from './context.js';
import { createNodeServices } from './services.js';
import { callAccount } from './provider-auth.js';
import { accountHealth, isCircuitOpen } from './resilience.js';

const TIMEOUT_MS = 150;
const HALF_OPEN_MS = 500;

interface ProxyStats { requests: number; inflight: number; maxInflight: number; abandoned: number }

async function startCountingProxy(upstream: string) {
  const stats: ProxyStats = { requests: 0, inflight: 0, maxInflight: 0, abandoned: 0 };
  // Latency added here rather than by the simulator, whose sleeps share one abort signal.
  const opts = { delayMs: 0 };
  const server = http.createServer((req, res) => {
    stats.requests++;
    stats.maxInflight = Math.max(stats.maxInflight, ++stats.inflight);
    const upstreamAbort = new AbortController();
    let answered = false;
    res.on('close', () => {
      stats.inflight--;
      if (!answered) {
        stats.abandoned++;
        upstreamAbort.abort();
      }
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => setTimeout(() => {
      fetch(upstream + (req.url ?? '/'), {
        method: req.method ?? 'POST', signal: upstreamAbort.signal,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' },
        ...(req.method === 'GET' ? {} : { body: Buffer.concat(chunks) }),
      }).then(async (r) => {
        const body = Buffer.from(await r.arrayBuffer());
        answered = true;
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' }).end(body);
      }).catch(() => res.destroy());
    }, opts.delayMs));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    stats, opts,
    /**
     * Zero the counts once requests the gateway already gave up on have reached us: on a busy
     * machine the proxy may read an abandoned request after the caller's timeout fired.
     */
    async reset() {
      for (let seen = -1; seen !== stats.requests || stats.inflight > 0;) {
        seen = stats.requests;
        await new Promise((r) => setTimeout(r, 50));
      }
      Object.assign(stats, { requests: 0, maxInflight: 0, abandoned: 0 });
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function makeCtx(env: Record<string, string> = {}): AppContext {
  const config = loadConfig({
    PAYGATE_PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS), PAYGATE_BREAKER_WINDOW_MS: '2000', PAYGATE_BREAKER_MIN_CALLS: '20',
    PAYGATE_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS), PAYGATE_BREAKER_THRESHOLD: '0.25', ...env,
  });
  const metrics = createMetrics();
  const log = pino({ level: 'silent' });
  const now = () => Date.now();
  return { config, transport: createTransport(), metrics, log, now, publicUrl: () => 'http://127.0.0.1:9', timeScale: 1, ...createNodeServices({ config, metrics, log, now }) } as unknown as AppContext;
}

describe('per provider account resilience', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-resilience-'));
  let sim: Awaited<ReturnType<typeof startAlipaySimulator>>;
  let proxy: Awaited<ReturnType<typeof startCountingProxy>>;
  const ctxs: AppContext[] = [];
  let creds: RegisteredApp;

  const ctxWith = (env?: Record<string, string>) => {
    const ctx = makeCtx(env);
    ctxs.push(ctx);
    return ctx;
  };
  const account = (id: string, credentials: RegisteredApp = creds): LoadedAccount => {
    const connector = connectorFor('alipay')!;
    const row = { id, provider: 'alipay', base_url: `${proxy.url}/sandbox/alipay` } as ProviderAccountRow;
    return { row, connector, credentials: connector.parseCredentials(credentials) };
  };
  let refs = 0;
  const create = (ctx: AppContext, acc: LoadedAccount) => {
    const input: CreateInput = { reference: `pay_r${refs++}`, amount: 100, currency: 'CNY', description: 'resilience', expiresAt: new Date(Date.now() + 600_000) };
    return callAccount(ctx, acc, 'create', (c) => acc.connector.create.build(c, input), (c, res) => acc.connector.create.parse(c, input, res));
  };
  const query = (ctx: AppContext, acc: LoadedAccount) => {
    const ref = `pay_q${refs++}`;
    return callAccount(ctx, acc, 'query', (c) => acc.connector.query.build(c, ref), (c, res) => acc.connector.query.parse(c, ref, 'CNY', res));
  };
  const gauge = async (ctx: AppContext, id: string) => (await ctx.metrics.breakerState.get()).values.find((v) => v.labels.provider_account_id === id)?.value;
  const faults = (f: { error_rate?: number; timeout_rate?: number; latency_ms?: number }) => sim.sim.setFaults({ error_rate: 0, timeout_rate: 0, latency_ms: 0, ...f });

  beforeAll(async () => {
    sim = await startAlipaySimulator({ port: 0, dataDir: path.join(dir, 'sim'), timeScale: 0.001 });
    proxy = await startCountingProxy(sim.url);
    creds = sim.sim.registerApp();
  });

  afterAll(async () => {
    for (const ctx of ctxs) await ctx.transport.close();
    await proxy?.close();
    await sim?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens under 30% errors + 5% hangs, then fails fast without the network; a probe after halfOpenAfter closes it', async () => {
    const ctx = ctxWith();
    const acc = account('pa_breaker');
    faults({ error_rate: 0.3, timeout_rate: 0.05 });
    let sent = 0;
    const hammer = async () => {
      while (!isCircuitOpen(ctx, acc.row.id) && sent < 600) {
        sent++;
        await create(ctx, acc);
      }
    };
    await Promise.all(Array.from({ length: 5 }, hammer));
    expect(isCircuitOpen(ctx, acc.row.id)).toBe(true);
    const h = accountHealth(ctx, { provider: 'alipay', accountId: acc.row.id });
    expect(h.breaker.state).toBe('open');
    expect(h.window.calls).toBeGreaterThanOrEqual(20);
    // The window that opened it: calls still in flight at that moment (four other callers)
    // finish afterwards and may dilute the live window below the threshold.
    expect(h.breaker.opened_with?.calls).toBeGreaterThanOrEqual(20);
    expect(h.breaker.opened_with?.failure_rate).toBeGreaterThan(0.25);
    expect(['CONNECTOR.UNAVAILABLE', 'CONNECTOR.TIMEOUT']).toContain(h.last_error?.code);
    expect(await gauge(ctx, acc.row.id)).toBe(1);

    // Open: nothing reaches the provider, for create and for (otherwise retried) query alike.
    faults({});
    await proxy.reset();
    const started = performance.now();
    const refused = await Promise.all([...Array.from({ length: 10 }, () => create(ctx, acc)), query(ctx, acc)]);
    expect(performance.now() - started).toBeLessThan(100);
    expect(proxy.stats.requests).toBe(0);
    for (const r of refused) {
      expect(r).toMatchObject({ ok: false, code: 'CONNECTOR.CIRCUIT_OPEN', retryable: true });
      expect((r as ConnectorFailure).message).toContain(acc.row.id);
    }

    // After halfOpenAfter routing may send the probe; a failing probe opens the breaker again.
    await waitFor(() => !isCircuitOpen(ctx, acc.row.id), { timeoutMs: HALF_OPEN_MS * 3, intervalMs: 10 });
    faults({ error_rate: 1 });
    expect(await create(ctx, acc)).toMatchObject({ ok: false, code: 'CONNECTOR.UNAVAILABLE' });
    expect(proxy.stats.requests).toBe(1);
    expect(isCircuitOpen(ctx, acc.row.id)).toBe(true);
    expect(await create(ctx, acc)).toMatchObject({ code: 'CONNECTOR.CIRCUIT_OPEN' });
    expect(proxy.stats.requests).toBe(1);

    // Provider healthy again: the next probe succeeds and the breaker closes.
    faults({});
    await waitFor(() => !isCircuitOpen(ctx, acc.row.id), { timeoutMs: HALF_OPEN_MS * 3, intervalMs: 10 });
    expect(await create(ctx, acc)).toMatchObject({ ok: true });
    expect(proxy.stats.requests).toBe(2);
    expect(accountHealth(ctx, { provider: 'alipay', accountId: acc.row.id }).breaker.state).toBe('closed');
    expect(await gauge(ctx, acc.row.id)).toBe(0);
    expect(await create(ctx, acc)).toMatchObject({ ok: true });
    const moves = (await ctx.metrics.breakerTransitions.get()).values.filter((v) => v.labels.provider_account_id === acc.row.id);
    expect(Object.fromEntries(moves.map((v) => [v.labels.to, v.value]))).toEqual({ open: 2, half_open: 2, closed: 1 });
  });

  it('retries query after a provider error but not create; never retries a timeout, and cancels it', async () => {
    const ctx = ctxWith();
    const acc = account('pa_retry');
    try {
      faults({ error_rate: 1 });
      await proxy.reset();
      expect(await query(ctx, acc)).toMatchObject({ ok: false, code: 'CONNECTOR.UNAVAILABLE' });
      expect(proxy.stats.requests).toBe(3);
      await proxy.reset();
      expect(await create(ctx, acc)).toMatchObject({ ok: false, code: 'CONNECTOR.UNAVAILABLE' });
      expect(proxy.stats.requests).toBe(1);

      faults({ timeout_rate: 1 });
      await proxy.reset();
      const started = performance.now();
      expect(await query(ctx, acc)).toMatchObject({ ok: false, code: 'CONNECTOR.TIMEOUT' });
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 300);
      expect(proxy.stats.requests).toBe(1);
      await waitFor(() => proxy.stats.abandoned === 1, { timeoutMs: 2000, what: 'the timed-out request to be cancelled' });
    } finally {
      faults({});
    }
    const errors = (await ctx.metrics.providerErrors.get()).values.map((v) => `${v.labels.operation} ${v.labels.code} ${v.value}`);
    expect(errors.sort()).toEqual(['create CONNECTOR.UNAVAILABLE 1', 'query CONNECTOR.TIMEOUT 1', 'query CONNECTOR.UNAVAILABLE 3']);
  });

  it('does not count refused credentials against the breaker', async () => {
    // No hang is injected here: a generous timeout keeps a slow answer on a loaded machine from reading as a timeout.
    const ctx = ctxWith({ PAYGATE_PROVIDER_TIMEOUT_MS: '5000' });
    const other = sim.sim.registerApp();
    const acc = account('pa_badkey', { ...creds, ...(other.private_key ? { private_key: other.private_key } : {}) });
    await proxy.reset();
    for (let i = 0; i < 25; i++) expect(await query(ctx, acc)).toMatchObject({ ok: false, code: 'CONNECTOR.AUTH_FAILED' });
    expect(proxy.stats.requests).toBe(25); // a config problem is not retried either
    expect(isCircuitOpen(ctx, acc.row.id)).toBe(false);
    const h = accountHealth(ctx, { provider: 'alipay', accountId: acc.row.id });
    expect(h.breaker.state).toBe('closed');
    expect(h.window).toMatchObject({ calls: 25, failures: 0, failure_rate: 0 });
    expect(h.last_error?.code).toBe('CONNECTOR.AUTH_FAILED');
  });

  it('bounds concurrent calls per account: a short queue waits, the rest fail fast', async () => {
    const ctx = ctxWith({ PAYGATE_PROVIDER_BULKHEAD: '3', PAYGATE_PROVIDER_TIMEOUT_MS: '3000' });
    const acc = account('pa_bulkhead');
    const neighbour = account('pa_neighbour');
    faults({ latency_ms: 200 });
    try {
      await proxy.reset();
      const calls = Array.from({ length: 10 }, () => create(ctx, acc));
      expect(accountHealth(ctx, { provider: 'alipay', accountId: acc.row.id }).bulkhead).toEqual({ executing: 3, queued: 1, limit: 3 });
      // Another account has its own bulkhead.
      const other = create(ctx, neighbour);
      const results = await Promise.all(calls);
      expect(await other).toMatchObject({ ok: true });
      expect(results.filter((r) => r.ok)).toHaveLength(4);
      const full = results.filter((r) => !r.ok);
      expect(full).toHaveLength(6);
      for (const r of full) expect(r).toMatchObject({ code: 'CONNECTOR.BULKHEAD_FULL', retryable: true });
      expect(proxy.stats.requests).toBe(5);
      expect(proxy.stats.maxInflight).toBe(4); // 3 for the account + 1 for its neighbour
      expect(accountHealth(ctx, { provider: 'alipay', accountId: acc.row.id }).bulkhead).toEqual({ executing: 0, queued: 0, limit: 3 });
      expect(isCircuitOpen(ctx, acc.row.id)).toBe(false);
    } finally {
      faults({});
    }
  });

  it('runs dozens of concurrent calls without piling abort listeners on a shared signal', async () => {
    const ctx = ctxWith({ PAYGATE_PROVIDER_TIMEOUT_MS: '3000' });
    const acc = account('pa_many');
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    proxy.opts.delayMs = 50;
    try {
      const results = await Promise.all(Array.from({ length: 30 }, () => query(ctx, acc)));
      expect(results.every((r) => r.ok)).toBe(true);
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
      proxy.opts.delayMs = 0;
    }
  });
});
