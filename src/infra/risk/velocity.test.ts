/**
 * Velocity counters: the same semantic tests against memory and Redis, then what only Redis
 * must do — stay exact across nodes, fall back from EVALSHA, bound its keys with TTLs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL, startPrivateRedis, uniquePrefix } from '../../test-support/redis.js';
import { RETENTION_MS, type VelocityKey, type VelocityLimit, type VelocityStore } from './velocity.js';
import { createMemoryVelocity } from './velocity-memory.js';
import { createRedisVelocity } from './velocity-redis.js';

const clients: Redis[] = [];
const prefixes: string[] = [];
function client(url = TEST_REDIS_URL): Redis {
  const c = new Redis(url, { maxRetriesPerRequest: 1 });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}
async function keysOf(c: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await c.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  return found;
}

afterAll(async () => {
  const c = clients[0];
  if (c) for (const p of prefixes) {
    const keys = await keysOf(c, p);
    if (keys.length > 0) await c.del(...keys);
  }
  for (const c of clients) c.disconnect();
});

const STORES: Array<[string, () => VelocityStore]> = [
  ['memory', () => createMemoryVelocity()],
  ['redis', () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    return createRedisVelocity({ redis: client(), prefix });
  }],
];

// A day boundary, so bucket edges are easy to reason about.
const T0 = 1_800_057_600_000;
const dev = (value: string, merchantId = 'mch_1'): VelocityKey => ({ merchantId, dimension: 'device', value });
const cus = (value: string, merchantId = 'mch_1'): VelocityKey => ({ merchantId, dimension: 'customer', value });
const lim = (name: string, dimension: VelocityLimit['dimension'], window: VelocityLimit['window'], measure: VelocityLimit['measure'], max: number): VelocityLimit =>
  ({ name, dimension, window, measure, max });

describe.each(STORES)('velocity counters in %s', (_name, make) => {
  it('counts payments and amounts per key in the 1 min, 1 h and 24 h windows', async () => {
    const v = make();
    expect(await v.read([dev('d1')], T0)).toEqual([{ count: { '1m': 0, '1h': 0, '24h': 0 }, amount: { '1m': 0, '1h': 0, '24h': 0 } }]);
    const first = await v.reserve([dev('d1'), cus('c1')], 1_000, [], T0);
    expect(first).toMatchObject({ admitted: true, breached: [] });
    expect(first.before[0]!.count['24h']).toBe(0);
    await v.reserve([dev('d1')], 250, [], T0 + 30_000);
    const [d, c, other] = await v.read([dev('d1'), cus('c1'), dev('d1', 'mch_2')], T0 + 30_000);
    expect(d).toEqual({ count: { '1m': 2, '1h': 2, '24h': 2 }, amount: { '1m': 1_250, '1h': 1_250, '24h': 1_250 } });
    expect(c!.count['1h']).toBe(1);
    expect(other!.count['24h']).toBe(0);
  });

  it('keeps a payment for at least the window and at most one bucket longer', async () => {
    const v = make();
    await v.reserve([dev('d1')], 100, [], T0 + 500);
    const at = async (ms: number) => (await v.read([dev('d1')], T0 + ms))[0]!.count;
    expect(await at(60_000)).toEqual({ '1m': 1, '1h': 1, '24h': 1 });
    expect(await at(60_500)).toEqual({ '1m': 1, '1h': 1, '24h': 1 });
    expect(await at(61_000)).toEqual({ '1m': 0, '1h': 1, '24h': 1 });
    expect(await at(3_600_500)).toEqual({ '1m': 0, '1h': 1, '24h': 1 });
    expect(await at(3_660_000)).toEqual({ '1m': 0, '1h': 0, '24h': 1 });
    expect(await at(86_400_500)).toEqual({ '1m': 0, '1h': 0, '24h': 1 });
    expect(await at(86_400_000 + 900_000)).toEqual({ '1m': 0, '1h': 0, '24h': 0 });
    // Not yet happened, seen from before: not counted.
    expect((await v.read([dev('d1')], T0 - 1))[0]!.count['1m']).toBe(0);
  });

  it('admits only when every limit holds, reports which broke, and counts nothing for a refusal', async () => {
    const v = make();
    const limits = [lim('cus_1h_count', 'customer', '1h', 'count', 2), lim('dev_24h_amount', 'device', '24h', 'amount', 1_000)];
    expect((await v.reserve([cus('c1'), dev('d1')], 400, limits, T0)).admitted).toBe(true);
    expect((await v.reserve([cus('c1'), dev('d1')], 600, limits, T0 + 1)).admitted).toBe(true);
    const refused = await v.reserve([cus('c1'), dev('d1')], 1, limits, T0 + 2);
    expect(refused.admitted).toBe(false);
    expect(refused.breached.map((l) => l.name)).toEqual(['cus_1h_count', 'dev_24h_amount']);
    expect(refused.before[0]!.count['1h']).toBe(2);
    expect(refused.before[1]!.amount['24h']).toBe(1_000);
    expect(refused.reservation).toBeUndefined();
    // Another customer on the same device: only the device's amount limit is in the way.
    const other = await v.reserve([cus('c2'), dev('d1')], 1, limits, T0 + 3);
    expect(other.breached.map((l) => l.name)).toEqual(['dev_24h_amount']);
    expect((await v.reserve([cus('c2'), dev('d2')], 1, limits, T0 + 4)).admitted).toBe(true);
    const [c1, d1] = await v.read([cus('c1'), dev('d1')], T0 + 5);
    expect(c1!.count['1h']).toBe(2);
    expect(d1!.amount['24h']).toBe(1_000);
    // A limit on a dimension the payment has no key for does not apply.
    expect((await v.reserve([dev('d3')], 5_000, [lim('email', 'email', '1m', 'count', 0)], T0 + 6)).admitted).toBe(true);
  });

  it('counts a key given twice once, and release takes an admitted payment back', async () => {
    const v = make();
    const r = await v.reserve([dev('d1'), dev('d1')], 300, [lim('dev', 'device', '1m', 'count', 1)], T0);
    expect(r.admitted).toBe(true);
    expect(r.before).toHaveLength(2);
    expect((await v.read([dev('d1')], T0))[0]!.count['1m']).toBe(1);
    await v.reserve([dev('d1')], 200, [], T0 + 1_000);
    await v.release(r.reservation!, T0 + 2_000);
    expect((await v.read([dev('d1')], T0 + 2_000))[0]).toEqual({ count: { '1m': 1, '1h': 1, '24h': 1 }, amount: { '1m': 200, '1h': 200, '24h': 200 } });
    expect((await v.reserve([dev('d1')], 1, [lim('dev', 'device', '1m', 'count', 2)], T0 + 3_000)).admitted).toBe(true);
  });

  it('admits exactly N of 50 concurrent reserves against a limit of N', async () => {
    const v = make();
    const limits = [lim('ip_1m', 'ip', '1m', 'count', 7)];
    const ip: VelocityKey = { merchantId: 'mch_1', dimension: 'ip', value: '203.0.113.9' };
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => v.reserve([ip, cus(`c${i}`)], 10, limits, T0 + i)));
    expect(results.filter((r) => r.admitted)).toHaveLength(7);
    expect((await v.read([ip], T0 + 100))[0]!.count['1m']).toBe(7);
  });

  it('refuses a bad amount or limit as a programming error', async () => {
    const v = make();
    await expect(v.reserve([dev('d1')], 1.5, [], T0)).rejects.toThrow(/integer in minor units/);
    await expect(v.reserve([dev('d1')], 1, [lim('x', 'device', '2h' as never, 'count', 1)], T0)).rejects.toThrow(/window must be/);
  });
});

describe('velocity counters in memory, bounded', () => {
  it('keeps at most maxKeys keys, dropping the least recently written, and drops expired keys first', async () => {
    const v = createMemoryVelocity({ maxKeys: 3 });
    for (const d of ['a', 'b', 'c']) await v.reserve([dev(d)], 1, [], T0);
    await v.reserve([dev('a')], 1, [], T0 + 1);
    await v.reserve([dev('d')], 1, [], T0 + 2);
    const counts = async (now: number) => (await v.read(['a', 'b', 'c', 'd'].map((d) => dev(d)), now)).map((f) => f.count['24h']);
    expect(await counts(T0 + 3)).toEqual([2, 0, 1, 1]);
    // A day later everything has expired: a new key evicts nothing it should not.
    await v.reserve([dev('e')], 1, [], T0 + RETENTION_MS + 10);
    expect((await v.read([dev('e')], T0 + RETENTION_MS + 10))[0]!.count['1m']).toBe(1);
  });
});

describe('velocity counters in Redis across nodes', () => {
  it('two nodes racing 50 reserves against a limit of N admit exactly N', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const nodes = [createRedisVelocity({ redis: client(), prefix }), createRedisVelocity({ redis: client(), prefix })];
    const limits = [lim('dev_1h', 'device', '1h', 'count', 13), lim('dev_amount', 'device', '24h', 'amount', 1_000_000)];
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => nodes[i % 2]!.reserve([dev('shared'), cus(`c${i}`)], 1_000, limits, T0 + i)));
    expect(results.filter((r) => r.admitted)).toHaveLength(13);
    expect(results.filter((r) => !r.admitted).every((r) => r.breached.map((l) => l.name).join() === 'dev_1h')).toBe(true);
    const [d] = await nodes[1]!.read([dev('shared')], T0 + 100);
    expect(d).toMatchObject({ count: { '1h': 13 }, amount: { '24h': 13_000 } });
  });

  it('keeps no value in clear, bounds keys with a TTL and buckets', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const c = client();
    const v = createRedisVelocity({ redis: c, prefix });
    const now = Date.now();
    await v.reserve([{ merchantId: 'mch_1', dimension: 'email', value: 'buyer@example.com' }], 100, [], now);
    const keys = await keysOf(c, prefix);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain('example.com');
    const ttl = await c.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(RETENTION_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(RETENTION_MS);
    // A thousand payments a second apart fill at most n+1 buckets per window.
    for (let i = 0; i < 1_000; i++) await v.reserve([{ merchantId: 'mch_1', dimension: 'email', value: 'buyer@example.com' }], 1, [], now + i * 1_000);
    expect(await c.hlen(keys[0]!)).toBeLessThanOrEqual(2 * (61 + 61 + 97));
  });

  it('counts per node in its insurance, without waiting, while Redis is unreachable', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    dead.on('error', () => undefined);
    clients.push(dead);
    const v = createRedisVelocity({ redis: dead, prefix: uniquePrefix(), insurance: createMemoryVelocity() });
    const limits = [lim('dev', 'device', '1m', 'count', 2)];
    const t0 = Date.now();
    const takes = [];
    for (let i = 0; i < 3; i++) takes.push(await v.reserve([dev('d1')], 1, limits, T0 + i));
    expect(takes.map((t) => t.admitted)).toEqual([true, true, false]);
    expect(takes[0]!.reservation!.insured).toBe(true);
    await v.release(takes[0]!.reservation!, T0 + 3);
    expect((await v.read([dev('d1')], T0 + 3))[0]!.count['1m']).toBe(1);
    expect(Date.now() - t0).toBeLessThan(200);
    // Without insurance the caller hears of it.
    await expect(createRedisVelocity({ redis: dead, prefix: uniquePrefix() }).read([dev('d1')], T0)).rejects.toThrow();
  });

  it('sends the script again when the server does not know it (EVALSHA, then EVAL)', async () => {
    const server = await startPrivateRedis();
    try {
      const c = client(server.url);
      const v = createRedisVelocity({ redis: c, prefix: uniquePrefix() });
      expect((await v.reserve([dev('d1')], 1, [], T0)).admitted).toBe(true);
      await c.script('FLUSH');
      expect((await v.reserve([dev('d1')], 1, [], T0)).before[0]!.count['1m']).toBe(1);
      expect((await v.read([dev('d1')], T0))[0]!.count['1m']).toBe(2);
      const stats = await c.info('commandstats');
      expect(stats).toMatch(/cmdstat_eval:calls=2/);
      expect(stats).toMatch(/cmdstat_evalsha:calls=3/);
      c.disconnect();
    } finally {
      await server.kill();
    }
  });
});
