/**
 * Priority rate limits per API key (Paygate-Priority) against the real Redis, shared by two
 * nodes, and node load shedding. Each run uses its own Redis key prefix.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, waitFor, type Gateway } from '../test-support/harness.js';
import { TEST_REDIS_URL, uniquePrefix } from '../test-support/redis.js';

type Err = { error: { code: string; field?: string } };
interface Key { id: string; secret_key: string; allowed_priorities: string[] | null; rate_limit: number | null }

async function merchant(gw: Gateway): Promise<string> {
  const m = await gw.admin<{ id: string }>('POST', '/admin/merchants', { name: 'Limits' });
  return m.body.id;
}
async function newKey(gw: Gateway, merchantId: string, settings: Record<string, unknown>): Promise<Key> {
  const r = await gw.admin<Key>('POST', `/admin/merchants/${merchantId}/api_keys`, settings);
  expect(r.status).toBe(201);
  return r.body;
}
function get(gw: Gateway, key: string, priority?: string): Promise<Response> {
  return fetch(`${gw.url}/v1/payments?limit=1`, { headers: { authorization: `Bearer ${key}`, ...(priority ? { 'paygate-priority': priority } : {}) } });
}

/** Sends `priority` requests from `workers` loops until `until`; returns when each admitted one was answered. */
async function flood(gw: Gateway, key: string, priority: string, workers: number, until: number, onRefused: (r: Response) => Promise<void> = async () => undefined): Promise<number[]> {
  const admitted: number[] = [];
  await Promise.all(Array.from({ length: workers }, async () => {
    while (Date.now() < until) {
      const r = await get(gw, key, priority);
      if (r.status === 200) {
        admitted.push(Date.now());
        await r.arrayBuffer();
      } else {
        expect(r.status).toBe(429);
        await onRefused(r);
        if (!r.bodyUsed) await r.arrayBuffer();
      }
    }
  }));
  return admitted;
}

describe('priority rate limits per API key (Redis)', () => {
  let gw: Gateway;
  let mid: string;
  beforeAll(async () => {
    gw = await startGateway({ db: 'sqlite', env: { REDIS_URL: TEST_REDIS_URL, PAYGATE_REDIS_PREFIX: uniquePrefix() } });
    mid = await merchant(gw);
    await waitFor(async () => ((await (await fetch(`${gw.url}/readyz`)).json()) as { redis: string }).redis === 'up', { timeoutMs: 5000, what: 'redis up' });
  });
  afterAll(async () => { await gw?.stop(); });

  it('lets the admin set, show and change a key\'s priorities and limit', async () => {
    const k = await newKey(gw, mid, { mode: 'test', allowed_priorities: ['low', 'high', 'low'], rate_limit: 20 });
    expect(k).toMatchObject({ object: 'api_key', merchant_id: mid, mode: 'test', allowed_priorities: ['high', 'low'], rate_limit: 20 });
    expect(JSON.stringify(k)).not.toMatch(/hash/);
    const d = await newKey(gw, mid, {});
    expect(d).toMatchObject({ allowed_priorities: null, rate_limit: null });

    const bad = await gw.admin<Err>('POST', `/admin/merchants/${mid}/api_keys`, { allowed_priorities: ['urgent'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('allowed_priorities.0');
    expect((await gw.admin<Err>('POST', `/admin/merchants/${mid}/api_keys`, { rate_limit: 0 })).status).toBe(400);
    expect((await gw.admin<Err>('PATCH', `/admin/merchants/${mid}/api_keys/${k.id}`, {})).status).toBe(400);
    const missing = await gw.admin<Err>('PATCH', `/admin/merchants/${mid}/api_keys/key_00000000000000000000000000`, { rate_limit: 5 });
    expect(missing.body.error.code).toBe('API_KEY.NOT_FOUND');

    const patched = await gw.admin<Key>('PATCH', `/admin/merchants/${mid}/api_keys/${k.id}`, { rate_limit: null });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: k.id, allowed_priorities: ['high', 'low'], rate_limit: null });
    expect(JSON.stringify(patched.body)).not.toMatch(/secret_key|hash/);
  });

  it('refuses a class the key was not granted (403) and a malformed header (400)', async () => {
    const k = await newKey(gw, mid, {});
    const ok = await get(gw, k.secret_key);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('ratelimit-limit')).toBe('800'); // normal: 80 % of the default 1000/s
    expect(Number(ok.headers.get('ratelimit-remaining'))).toBeLessThan(800);
    expect((await get(gw, k.secret_key, 'low')).status).toBe(200);

    const high = await get(gw, k.secret_key, 'high');
    expect(high.status).toBe(403);
    expect(await high.json()).toMatchObject({ error: { code: 'RATE_LIMIT.PRIORITY_NOT_ALLOWED', field: 'Paygate-Priority' } });
    const bad = await get(gw, k.secret_key, 'urgent');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'VALIDATION.INVALID_HEADER', field: 'Paygate-Priority' } });

    // The grant applies to the very next request (the cached key is invalidated).
    await gw.admin('PATCH', `/admin/merchants/${mid}/api_keys/${k.id}`, { allowed_priorities: ['high', 'normal'] });
    expect((await get(gw, k.secret_key, 'high')).status).toBe(200);
    expect((await get(gw, k.secret_key, 'low')).status).toBe(403);
  });

  it('keeps room for high while low floods: low gets at most half of the budget', async () => {
    const k = await newKey(gw, mid, { allowed_priorities: ['high', 'normal', 'low'], rate_limit: 20 });
    const start = Date.now();
    const until = start + 3_000;
    let refused = 0;
    const lows = flood(gw, k.secret_key, 'low', 10, until, async (r) => {
      refused++;
      const retryAfter = r.headers.get('retry-after') ?? '';
      expect(retryAfter).toMatch(/^[1-9]\d*$/);
      expect(r.headers.get('ratelimit-limit')).toBe('10');
      expect(r.headers.get('ratelimit-remaining')).toBe('0');
      expect(((await r.json()) as Err).error.code).toBe('RATE_LIMIT.EXCEEDED');
    });
    // High at 8/s on a fixed cadence, each request on its own (not waiting for the previous answer).
    const highs: Array<Promise<number>> = [];
    while (Date.now() < until) {
      highs.push(get(gw, k.secret_key, 'high').then(async (r) => (await r.arrayBuffer(), r.status)));
      await new Promise((res) => setTimeout(res, 125));
    }
    const [lowAdmitted, highStatus] = await Promise.all([lows, Promise.all(highs)]);
    const seconds = (Date.now() - start) / 1000;

    expect(highStatus.length).toBeGreaterThanOrEqual(20);
    expect(highStatus.every((s) => s === 200), `high answers: ${highStatus.join(',')}`).toBe(true);
    expect(refused).toBeGreaterThan(0);
    // A window lasts one second and starts with its first request: at most floor(seconds) + 1
    // of them began during the flood, each admitting 10 low requests at most.
    expect(lowAdmitted.length).toBeLessThanOrEqual(10 * (Math.floor(seconds) + 1));
    expect(lowAdmitted.length).toBeGreaterThanOrEqual(5 * Math.floor(seconds));
    const m = await (await fetch(`${gw.url}/metrics`)).text();
    expect(m).toMatch(/paygate_rate_limited_total\{reason="key_limit",priority="low"\} [1-9]/);
    expect(m).not.toMatch(/paygate_rate_limited_total\{reason="key_limit",priority="high"\}/);
  });
});

describe('two nodes share one budget through Redis', () => {
  let a: Gateway;
  let b: Gateway;
  beforeAll(async () => {
    const env = { REDIS_URL: TEST_REDIS_URL, PAYGATE_REDIS_PREFIX: uniquePrefix(), PAYGATE_WORKER: 'false', PAYGATE_SIMULATORS: 'false' };
    a = await startGateway({ db: 'postgres', env });
    b = await startGateway({ db: 'postgres', databaseUrl: a.env.DATABASE_URL!, env: { ...env, PAYGATE_MASTER_KEY: a.env.PAYGATE_MASTER_KEY! } });
    for (const gw of [a, b]) await waitFor(() => gw.rt.ctx.redis?.state === 'up', { timeoutMs: 5000, what: 'redis up' });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('admits no more per window across both nodes than the key\'s limit', async () => {
    const k = await newKey(a, await merchant(a), { allowed_priorities: ['high'], rate_limit: 10 });
    const start = Date.now();
    const until = start + 3_000;
    const [onA, onB] = await Promise.all([flood(a, k.secret_key, 'high', 4, until), flood(b, k.secret_key, 'high', 4, until)]);
    const seconds = (Date.now() - start) / 1000;
    const total = onA.length + onB.length;
    // Shared: at most floor(seconds) + 1 windows of 10. Counted per node it would be about twice that.
    expect(total).toBeLessThanOrEqual(10 * (Math.floor(seconds) + 1));
    expect(total).toBeGreaterThanOrEqual(10 * (Math.floor(seconds) - 1));
    expect(onA.length).toBeGreaterThan(0);
    expect(onB.length).toBeGreaterThan(0);
  });
});

describe('node load shedding', () => {
  let gw: Gateway;
  let key: string;
  const held: http.ClientRequest[] = [];
  beforeAll(async () => {
    gw = await startGateway({ db: 'sqlite', env: { PAYGATE_MAX_INFLIGHT: '10', PAYGATE_WORKER: 'false' } });
    const mid = await merchant(gw);
    key = (await newKey(gw, mid, { allowed_priorities: ['high', 'normal', 'low'] })).secret_key;
  });
  afterAll(async () => {
    for (const r of held) r.destroy();
    await gw?.stop();
  });

  /** Requests whose body never finishes: they stay in flight on the node until destroyed. */
  function hold(n: number): void {
    for (let i = 0; i < n; i++) {
      const req = http.request(`${gw.url}/v1/payments`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': '1000', 'paygate-priority': 'high' } });
      req.on('error', () => undefined);
      req.write('{"amount":');
      held.push(req);
    }
  }
  /** Waits until the held requests have reached the node, seen as the class being shed. */
  const status = async (priority?: string) => {
    const r = await get(gw, key, priority);
    await r.arrayBuffer();
    return r.status;
  };
  const shedding = (priority?: string) => waitFor(async () => (await status(priority)) === 429, { timeoutMs: 5000, what: `${priority ?? 'normal'} shed` });

  it('sheds low first, then normal, then high, but never buyers, notifications or health checks', async () => {
    hold(5); // 5 in flight: low (share 0.5 of 10) is shed
    await shedding('low');
    const low = await get(gw, key, 'low');
    expect(low.status).toBe(429);
    expect(low.headers.get('retry-after')).toBe('1');
    expect(((await low.json()) as Err).error.code).toBe('RATE_LIMIT.OVERLOADED');
    expect(await status()).toBe(200);

    hold(3); // 8: normal is shed too, high still served
    await shedding();
    expect(await status('high')).toBe(200);

    hold(2); // 10: everything sheddable is shed
    await shedding('high');
    for (const p of ['/healthz', '/readyz', '/metrics', '/pay/pay_00000000000000000000000000']) {
      const r = await fetch(`${gw.url}${p}`, { headers: { 'paygate-priority': 'low' } });
      expect(r.status, p).not.toBe(429);
      await r.arrayBuffer();
    }
    const notify = await fetch(`${gw.url}/notify/alipay/pa_00000000000000000000000000`, { method: 'POST', body: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(notify.status).not.toBe(429);
    const m = await (await fetch(`${gw.url}/metrics`)).text();
    expect(m).toMatch(/paygate_rate_limited_total\{reason="overloaded",priority="low"\} [1-9]/);
    expect(m).toMatch(/paygate_rate_limited_total\{reason="overloaded",priority="high"\} [1-9]/);

    for (const r of held.splice(0)) r.destroy();
    await waitFor(async () => (await status('low')) === 200, { timeoutMs: 3000, what: 'low served again' });
  });
});
