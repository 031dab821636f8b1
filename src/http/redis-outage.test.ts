/**
 * Redis dies mid-run (a private redis-server, killed with SIGKILL) and comes back on the
 * same port. Payments never depend on Redis: creates keep succeeding, rate limits continue
 * per node, the outage is reported once, and shared limiting resumes when Redis returns.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import { sandboxMerchant, startGateway, waitFor, type Gateway } from '../test-support/harness.js';
import { startPrivateRedis, uniquePrefix, type PrivateRedis } from '../test-support/redis.js';

describe('Redis outage', () => {
  let redis: PrivateRedis;
  let gw: Gateway;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    redis = await startPrivateRedis();
    gw = await startGateway({ db: 'sqlite', env: { REDIS_URL: redis.url, PAYGATE_REDIS_PREFIX: prefix } });
    await waitFor(() => gw.rt.ctx.redis?.state === 'up', { timeoutMs: 5000, what: 'redis up' });
  });
  afterAll(async () => {
    await gw?.stop();
    await redis?.kill();
  });

  const metric = async (name: string) => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };
  const readyz = async () => {
    const r = await fetch(`${gw.url}/readyz`);
    return { status: r.status, body: (await r.json()) as { status: string; redis: string } };
  };

  it('keeps creating payments while Redis is down, limits per node, and shares limits again when it is back', async () => {
    const warn = vi.spyOn(gw.rt.ctx.log, 'warn');
    const info = vi.spyOn(gw.rt.ctx.log, 'info');
    const m = await sandboxMerchant(gw);
    const limited = (await gw.admin<{ id: string; secret_key: string }>('POST', `/admin/merchants/${m.id}/api_keys`, { rate_limit: 5 })).body;
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', redis: 'up' } });
    expect(await metric('paygate_redis_up')).toBe(1);

    let n = 0;
    const statuses: number[] = [];
    const create = async () => {
      const r = await gw.api(m.key, 'POST', '/v1/payments', { amount: 100 + n, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `OUT-${n++}` });
      statuses.push(r.status);
    };
    // Payments are created before, during and after the outage, two at a time.
    let running = true;
    const creators = Promise.all([0, 1].map(async () => {
      while (running) await create();
    }));

    await waitFor(() => statuses.length >= 4, { what: 'creates before the outage' });
    await redis.kill();
    await waitFor(async () => (await metric('paygate_redis_up')) === 0, { timeoutMs: 3000, what: 'paygate_redis_up 0' });
    const during = statuses.length;
    // Long enough for several reconnect attempts, each failing: still only one warning.
    await waitFor(() => statuses.length >= during + 6, { what: 'creates during the outage' });
    await new Promise((r) => setTimeout(r, 700));
    expect(await readyz()).toEqual({ status: 200, body: { status: 'degraded', redis: 'down' } });

    // Limits continue on this node alone: 5/s for this key (4 for normal priority). A window
    // starts at its first request and lasts a second; on a loaded machine the burst can outlast
    // it, so the bound is 4 per window the burst touched — and 12 requests exceed two windows' worth.
    const burstStart = Date.now();
    const burst = await Promise.all(Array.from({ length: 12 }, () => gw.api(limited.secret_key, 'GET', '/v1/payments?limit=1')));
    const windows = Math.floor((Date.now() - burstStart) / 1000) + 1;
    const admitted = burst.filter((r) => r.status === 200).length;
    const refused = burst.filter((r) => r.status === 429).length;
    expect(admitted + refused, `statuses: ${burst.map((r) => r.status).join(',')}`).toBe(12);
    expect(admitted, `${admitted} admitted in ${windows} window(s)`).toBeLessThanOrEqual(4 * windows);
    expect(refused, `the burst took ${windows} window(s)`).toBeGreaterThan(0);

    await redis.start();
    await waitFor(async () => (await metric('paygate_redis_up')) === 1, { timeoutMs: 5000, what: 'paygate_redis_up back to 1' });
    const after = statuses.length;
    await waitFor(() => statuses.length >= after + 4, { what: 'creates after the outage' });
    running = false;
    await creators;

    expect(statuses.length).toBeGreaterThanOrEqual(14);
    expect(statuses.every((s) => s === 201), `statuses: ${statuses.join(',')}`).toBe(true);
    const outageWarnings = warn.mock.calls.filter((c) => c.includes('redis unreachable; rate limits per node'));
    expect(outageWarnings).toHaveLength(1);
    expect(info.mock.calls.filter((c) => c.includes('redis back'))).toHaveLength(1);
    expect(await metric('paygate_redis_transitions_total{to="down"}')).toBe(1);
    expect((await readyz()).body).toEqual({ status: 'ready', redis: 'up' });

    // Shared limiting resumed: the key's window lives in the restarted Redis again.
    expect((await gw.api(limited.secret_key, 'GET', '/v1/payments?limit=1')).status).toBe(200);
    const probe = new Redis(redis.url);
    try {
      expect(Number(await probe.get(`${prefix}rl:${limited.id}`))).toBeGreaterThanOrEqual(1);
    } finally {
      probe.disconnect();
    }
  });
});
