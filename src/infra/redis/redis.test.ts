/** The Redis link's reconnect policy and the pub/sub cache-invalidation broadcaster. */
import { afterAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { RedisLink, reconnectDelay } from './client.js';
import { RedisBroadcaster } from './broadcaster.js';
import { TEST_REDIS_URL, uniquePrefix } from '../../test-support/redis.js';
import { waitFor } from '../../test-support/harness.js';

const quiet = { warn: () => undefined, info: () => undefined, debug: () => undefined };
const links: RedisLink[] = [];
afterAll(() => {
  for (const l of links) l.close();
});

function node(id: string, channel: string) {
  const link = new RedisLink(TEST_REDIS_URL, quiet);
  links.push(link);
  const subscriber = link.connection();
  const seen: string[] = [];
  let clears = 0;
  const b = new RedisBroadcaster({
    publisher: link.client, subscriber, channel, nodeId: id, log: quiet,
    target: { invalidateLocal: (k) => seen.push(k), clear: () => clears++ },
  });
  return { link, subscriber, b, seen, clears: () => clears };
}

describe('redis link', () => {
  it('reconnects forever with a doubling, capped delay', () => {
    expect([1, 2, 3, 4, 5, 6].map(reconnectDelay)).toEqual([100, 200, 400, 800, 1600, 2000]);
    expect(reconnectDelay(10_000)).toBe(2000);
  });

  it('reports its state in paygate_redis_up', async () => {
    const registry = new Registry();
    const link = new RedisLink(TEST_REDIS_URL, quiet);
    links.push(link);
    link.registerMetrics(registry);
    await waitFor(() => link.state === 'up', { timeoutMs: 5000, what: 'redis up' });
    const text = await registry.metrics();
    expect(text).toContain('paygate_redis_up 1');
    expect(text).toContain('paygate_redis_transitions_total{to="up"} 1');
  });
});

describe('config broadcast over pub/sub', () => {
  it('tells the other nodes which key changed, not the sender, and clears after re-subscribing', async () => {
    const channel = `${uniquePrefix()}config`;
    const a = node('node-a', channel);
    const b = node('node-b', channel);
    await waitFor(() => a.clears() === 1 && b.clears() === 1, { timeoutMs: 5000, what: 'both subscribed' });

    a.b.publish('apikey:abc');
    await waitFor(() => b.seen.length === 1, { timeoutMs: 2000, what: 'b invalidated' });
    expect(b.seen).toEqual(['apikey:abc']);

    // Junk on the channel is ignored; b's own message too. a hears b.
    await b.link.client.publish(channel, 'not json');
    await b.link.client.publish(channel, JSON.stringify({ node: 'x' }));
    b.b.publish('account:pa_1');
    await waitFor(() => a.seen.length === 1, { timeoutMs: 2000, what: 'a invalidated' });
    expect(a.seen).toEqual(['account:pa_1']);
    expect(b.seen).toEqual(['apikey:abc']);

    // A dropped subscription may have missed messages: b clears everything once it listens again.
    b.subscriber.disconnect(true);
    await waitFor(() => b.clears() === 2, { timeoutMs: 5000, what: 'b re-subscribed' });
    a.b.publish('routing:mch_1');
    await waitFor(() => b.seen.length === 2, { timeoutMs: 2000, what: 'b hears again' });
    expect(b.seen[1]).toBe('routing:mch_1');
  });
});
