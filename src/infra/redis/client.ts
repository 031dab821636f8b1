/**
 * Production mode's link to Redis (REDIS_URL). Redis holds only what may be lost — rate-limit
 * windows and cache-invalidation messages, never anything about payments — so the link is
 * built to degrade, not to wait: commands fail at once while Redis is away (callers fall back
 * to per-node behaviour), the connection is retried forever with a capped backoff, and each
 * up/down transition is reported once, in the log and as paygate_redis_up.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';

export type RedisState = 'connecting' | 'up' | 'down';

export interface RedisLog {
  warn(msg: string): void;
  info(msg: string): void;
  debug(obj: object, msg: string): void;
}

/** Delay before reconnect attempt `attempt` (1, 2, ...): doubling from 100 ms, capped at 2 s, never giving up. */
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.min(Math.max(attempt - 1, 0), 5), 2_000);
}

const OPTIONS: RedisOptions = {
  // A request must never wait for Redis: with no offline queue a command fails immediately
  // while disconnected and the rate limiter's in-memory insurance answers instead.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  // A Redis that accepts connections but does not answer (paused, swapping) fails over too.
  commandTimeout: 500,
  connectTimeout: 2_000,
  retryStrategy: reconnectDelay,
  // The broadcaster re-subscribes itself, so it knows when it is listening again (see broadcaster.ts).
  autoResubscribe: false,
};

export class RedisLink {
  /** Commands: rate-limit windows and PUBLISH. */
  readonly client: Redis;
  readonly #extra: Redis[] = [];
  readonly #transitions = { up: 0, down: 0 };
  #state: RedisState = 'connecting';
  #closing = false;

  constructor(url: string, private readonly log: RedisLog) {
    this.client = this.#quiet(new Redis(url, OPTIONS));
    this.client.on('ready', () => {
      if (this.#state === 'down') log.info('redis back');
      if (this.#state !== 'up') this.#transitions.up++;
      this.#state = 'up';
    });
    this.client.on('close', () => {
      if (this.#closing || this.#state === 'down') return;
      // Once per outage, not once per reconnect attempt.
      log.warn('redis unreachable; rate limits per node');
      this.#transitions.down++;
      this.#state = 'down';
    });
  }

  /** paygate_redis_up and paygate_redis_transitions_total, read from the link when scraped. */
  registerMetrics(registry: Registry): void {
    const state = () => this.#state;
    const transitions = this.#transitions;
    new Gauge({
      name: 'paygate_redis_up', help: '1 while this node is connected to Redis (REDIS_URL); 0 while it limits per node', registers: [registry],
      collect() { this.set(state() === 'up' ? 1 : 0); },
    });
    new Counter({
      name: 'paygate_redis_transitions_total', help: 'Changes of the Redis connection state (to: up | down)', labelNames: ['to'] as const, registers: [registry],
      collect() {
        this.reset();
        this.inc({ to: 'up' }, transitions.up);
        this.inc({ to: 'down' }, transitions.down);
      },
    });
  }

  get state(): RedisState {
    return this.#state;
  }

  /** A second connection to the same server, e.g. for SUBSCRIBE (a subscribed connection can run nothing else). */
  connection(): Redis {
    const c = this.#quiet(this.client.duplicate());
    this.#extra.push(c);
    return c;
  }

  /** Drops the connections without waiting for Redis: nothing stored there needs flushing. */
  close(): void {
    this.#closing = true;
    for (const c of [this.client, ...this.#extra]) c.disconnect();
  }

  #quiet(c: Redis): Redis {
    // Without a listener ioredis prints every failed reconnect to stderr; the transitions
    // above are what operators need, the individual errors only when debugging.
    c.on('error', (err: Error) => this.log.debug({ err }, 'redis connection error'));
    return c;
  }
}
