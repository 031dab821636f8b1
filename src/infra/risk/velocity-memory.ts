/**
 * Velocity counters in this process's memory: the embedded default (SQLite, one node). Same
 * buckets and limit check as the Redis store (velocity.ts). Each call runs synchronously to
 * its end, so read-check-count is atomic without a lock.
 *
 * Bounded twice: a key holds only its non-empty buckets inside the retention (a few per
 * payment, at most n+1 per window), and at most `maxKeys` keys are kept. Keys are ordered by
 * last write, which is also their expiry order, so expired keys are dropped from the front
 * as new ones come in; past `maxKeys` the least recently written key goes first (its counts
 * are lost — the price of a hard memory bound on one node).
 */
import {
  RETENTION_MS, SERIES, breachedLimits, bucketOf, checkReserve, distinctKeys, emptyFacts, keyId, oldestBucket,
  type VelocityFacts, type VelocityKey, type VelocityReservation, type VelocityStore,
} from './velocity.js';

/** Per series: bucket index → [count, amount]. */
interface Entry { series: Array<Map<number, [number, number]>>; lastWrite: number }

export interface MemoryVelocityOptions {
  /** Keys kept at most (default 100,000: a few MB for ordinary traffic). */
  maxKeys?: number;
}

export function createMemoryVelocity(opts: MemoryVelocityOptions = {}): VelocityStore {
  const maxKeys = opts.maxKeys ?? 100_000;
  const entries = new Map<string, Entry>();

  const factsOf = (e: Entry | undefined, now: number): VelocityFacts => {
    const f = emptyFacts();
    if (!e) return f;
    SERIES.forEach((s, i) => {
      const oldest = oldestBucket(now, s);
      const current = bucketOf(now, s.bucketMs);
      for (const [b, [c, a]] of e.series[i]!) {
        if (b < oldest || b > current) continue;
        f.count[s.window] += c;
        f.amount[s.window] += a;
      }
    });
    return f;
  };

  const prune = (e: Entry, now: number): void => {
    SERIES.forEach((s, i) => {
      const oldest = oldestBucket(now, s);
      for (const b of e.series[i]!.keys()) if (b < oldest) e.series[i]!.delete(b);
    });
  };

  /** Adds `sign` × (1, amount) to the buckets of `at` on every key; written keys move to the back. */
  const add = (keys: VelocityKey[], amount: number, at: number, now: number, sign: 1 | -1): void => {
    for (const k of keys) {
      const id = keyId(k);
      let e = entries.get(id);
      if (!e) {
        if (sign < 0) continue;
        e = { series: SERIES.map(() => new Map()), lastWrite: now };
      }
      entries.delete(id);
      prune(e, now);
      SERIES.forEach((s, i) => {
        const b = bucketOf(at, s.bucketMs);
        if (b < oldestBucket(now, s)) return;
        const m = e.series[i]!;
        const cur = m.get(b) ?? [0, 0];
        const next: [number, number] = [Math.max(0, cur[0] + sign), Math.max(0, cur[1] + sign * amount)];
        if (next[0] === 0 && next[1] === 0) m.delete(b);
        else m.set(b, next);
      });
      e.lastWrite = Math.max(e.lastWrite, now);
      entries.set(id, e);
    }
    for (const [id, e] of entries) {
      if (entries.size <= maxKeys && e.lastWrite + RETENTION_MS > now) break;
      entries.delete(id);
    }
  };

  return {
    async read(keys, now) {
      return keys.map((k) => factsOf(entries.get(keyId(k)), now));
    },
    async reserve(keys, amount, limits, now) {
      checkReserve(keys, amount, limits);
      const { unique, indexOf } = distinctKeys(keys);
      const facts = unique.map((k) => factsOf(entries.get(keyId(k)), now));
      const before = indexOf.map((i) => facts[i]!);
      const breached = breachedLimits(unique, facts, amount, limits);
      if (breached.length > 0) return { admitted: false, before, breached };
      add(unique, amount, now, now, 1);
      return { admitted: true, before, breached, reservation: { keys: unique, amount, at: now } };
    },
    async release(r: VelocityReservation, now) {
      add(distinctKeys(r.keys).unique, r.amount, r.at, now, -1);
    },
  };
}
