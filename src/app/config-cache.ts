/**
 * Short-lived cache of configuration read on every request (API keys, provider accounts,
 * routing rules). Entries live `ttlMs` at most, so a change made on another node is seen
 * within that bound even with no broadcast; with Redis, `invalidate` is also broadcast so
 * every node drops the entry at once (a revoked key stops working everywhere, now).
 * Keys: `apikey:<sha256>`, `account:<id>`, `routing:<merchant id>`.
 */
export interface Broadcaster {
  /** Tell the other nodes `key` changed. Best effort: the TTL bounds staleness if it fails. */
  publish(key: string): void;
}

interface Entry { value: unknown; expiresAt: number }

export class ConfigCache {
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<unknown>>();
  #broadcaster: Broadcaster | undefined;
  /** Bumped on every invalidation so a load that started before it is not stored after it. */
  #generation = 0;

  constructor(private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  setBroadcaster(b: Broadcaster | undefined): void {
    this.#broadcaster = b;
  }

  /**
   * `join: false` loads on its own instead of waiting for a load already in flight: for a
   * caller inside a transaction, whose `load` reads through that transaction. On SQLite a load
   * in flight through the pool may be waiting for the very connection the transaction holds.
   */
  async get<T>(key: string, load: () => Promise<T>, opts: { join?: boolean } = {}): Promise<T> {
    const hit = this.#entries.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.value as T;
    const join = opts.join ?? true;
    let p = join ? (this.#loading.get(key) as Promise<T> | undefined) : undefined;
    if (!p) {
      const gen = this.#generation;
      p = load().then((value) => {
        // Only cache hits worth caching: undefined (not found) is re-read next time.
        if (value !== undefined && gen === this.#generation && this.ttlMs > 0) this.#entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
        return value;
      });
      if (join) {
        const mine = p.finally(() => { if (this.#loading.get(key) === mine) this.#loading.delete(key); });
        this.#loading.set(key, mine);
        p = mine;
      }
    }
    return p;
  }

  /** Drop `key` here and on every other node. Call after the change has committed. */
  invalidate(key: string): void {
    this.invalidateLocal(key);
    this.#broadcaster?.publish(key);
  }

  /** Drop `key` on this node only (what a broadcast from another node does). */
  invalidateLocal(key: string): void {
    this.#generation++;
    this.#entries.delete(key);
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }
}
