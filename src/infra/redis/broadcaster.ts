/**
 * Cross-node invalidation of the configuration cache over Redis pub/sub: when one node
 * revokes a key or changes a setting, every other node drops its cached copy at once
 * instead of serving it until the TTL runs out.
 *
 * Pub/sub delivers only to connected subscribers, so a node that was disconnected may have
 * missed messages: each time the subscription is (re-)established the whole local cache is
 * cleared. Everything here is best effort — the cache TTL bounds staleness when Redis is away.
 */
import type { Redis } from 'ioredis';

/** The part of the configuration cache a broadcast acts on (app/config-cache.ts). */
export interface InvalidationTarget {
  invalidateLocal(key: string): void;
  clear(): void;
}

interface Message { node: string; key: string }

function parse(text: string): Message | undefined {
  try {
    const m = JSON.parse(text) as Partial<Message>;
    return typeof m.node === 'string' && typeof m.key === 'string' ? { node: m.node, key: m.key } : undefined;
  } catch {
    return undefined;
  }
}

export class RedisBroadcaster {
  constructor(private readonly o: {
    publisher: Redis;
    /** A connection of its own: once subscribed it can run nothing else. */
    subscriber: Redis;
    channel: string;
    nodeId: string;
    target: InvalidationTarget;
    log: { debug(obj: object, msg: string): void };
  }) {
    o.subscriber.on('message', (channel: string, text: string) => {
      if (channel !== o.channel) return;
      const m = parse(text);
      // Our own invalidations were applied locally before they were published.
      if (m && m.node !== o.nodeId) o.target.invalidateLocal(m.key);
    });
    o.subscriber.on('ready', () => void this.#subscribe());
  }

  publish(key: string): void {
    this.o.publisher.publish(this.o.channel, JSON.stringify({ node: this.o.nodeId, key } satisfies Message))
      .catch((err: unknown) => this.o.log.debug({ err, key }, 'cache invalidation not broadcast; other nodes see the change within the cache TTL'));
  }

  async #subscribe(): Promise<void> {
    try {
      await this.o.subscriber.subscribe(this.o.channel);
    } catch (err) {
      // The connection dropped again before SUBSCRIBE answered; the next 'ready' retries.
      this.o.log.debug({ err }, 'redis subscribe failed');
      return;
    }
    // Only now are we sure to hear every later invalidation; anything cached before may be stale.
    this.o.target.clear();
  }
}
