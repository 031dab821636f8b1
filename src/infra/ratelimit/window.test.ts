/** The window counter in memory, shared through Redis, and insured while Redis is unreachable. */
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createWindowCounter } from './window.js';
import { TEST_REDIS_URL, uniquePrefix } from '../../test-support/redis.js';

const clients: Redis[] = [];
function client(url: string): Redis {
  const c = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}
async function ready(c: Redis): Promise<void> {
  if (c.status !== 'ready') await new Promise((resolve) => c.once('ready', resolve));
}

afterAll(() => {
  for (const c of clients) c.disconnect();
});

describe('window counter', () => {
  it('counts per key in one-second windows, within the caller\'s cap, and never counts a refusal', async () => {
    const w = createWindowCounter({ prefix: uniquePrefix() });
    expect(await w.take('a', 4, 2)).toMatchObject({ admitted: true, count: 1 });
    expect(await w.take('a', 4, 2)).toMatchObject({ admitted: true, count: 2 });
    const refused = await w.take('a', 4, 2);
    expect(refused).toMatchObject({ admitted: false, count: 3 });
    expect(refused.msBeforeNext).toBeGreaterThan(0);
    expect(refused.msBeforeNext).toBeLessThanOrEqual(1000);
    expect(await w.take('b', 4, 2)).toMatchObject({ admitted: true, count: 1 });
    // A higher cap still has its room: the refused request above was not counted.
    expect(await w.take('a', 4, 4)).toMatchObject({ admitted: true, count: 3 });
    expect(await w.take('a', 4, 4)).toMatchObject({ admitted: true, count: 4 });
    expect(await w.take('a', 4, 4)).toMatchObject({ admitted: false });
    await new Promise((r) => setTimeout(r, refused.msBeforeNext + 50));
    expect(await w.take('a', 4, 2)).toMatchObject({ admitted: true, count: 1 });
  });

  it('shares one count between nodes through Redis; a flood at a low cap leaves the higher cap its room', async () => {
    const prefix = uniquePrefix();
    const [c1, c2] = [client(TEST_REDIS_URL), client(TEST_REDIS_URL)];
    await Promise.all([ready(c1!), ready(c2!)]);
    const node1 = createWindowCounter({ redis: c1, prefix });
    const node2 = createWindowCounter({ redis: c2, prefix });
    expect((await node1.take('k', 10, 10)).count).toBe(1);
    expect((await node2.take('k', 10, 10)).count).toBe(2);
    expect(await node2.take('k', 10, 2)).toMatchObject({ admitted: false, count: 3 });
    expect(await c1!.get(`${prefix}rl:k`)).toBe('2');

    // 60 requests at cap 5 race 5 at cap 10 on both nodes: exactly 3 more low fit, every high fits.
    const low = Array.from({ length: 60 }, (_, i) => (i % 2 ? node1 : node2).take('k', 10, 5));
    const high = Array.from({ length: 5 }, (_, i) => (i % 2 ? node2 : node1).take('k', 10, 10));
    const [l, h] = await Promise.all([Promise.all(low), Promise.all(high)]);
    expect(h.every((t) => t.admitted)).toBe(true);
    expect(l.filter((t) => t.admitted).length).toBe(3);
    expect(await c1!.get(`${prefix}rl:k`)).toBe('10');
  });

  it('keeps counting per node, without waiting, while Redis is unreachable', async () => {
    const dead = client('redis://127.0.0.1:1'); // nothing listens on port 1
    const w = createWindowCounter({ redis: dead, prefix: uniquePrefix() });
    const t0 = Date.now();
    const takes = [];
    for (let i = 0; i < 3; i++) takes.push(await w.take('k', 4, 2));
    expect(takes.map((t) => t.admitted)).toEqual([true, true, false]);
    expect(await w.take('k', 4, 4)).toMatchObject({ admitted: true, count: 3 });
    expect(Date.now() - t0).toBeLessThan(200);
  });
});
