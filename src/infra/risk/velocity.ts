/**
 * Velocity counters for risk control: how many payments, and how much money, one customer,
 * device, IP address or email made at one merchant in the last minute, hour and day.
 *
 * Two stores behind one interface: Redis (velocity-redis.ts, shared by every gateway node)
 * and memory (velocity-memory.ts, the embedded SQLite default, one process). Both count in
 * the same sub-window buckets defined here, so they answer alike to the unit.
 *
 * Why buckets and not a sorted set of every payment: a sorted set is exact to the
 * millisecond, but its memory and the cost of summing amounts grow with the traffic of a
 * key — and the keys that matter most (a device in a card-testing run, a carrier-NAT IP)
 * are the busiest. A window kept as at most n+1 buckets costs the same whatever the
 * traffic. The price is resolution: a payment stays in a window for at least the window's
 * length and at most one bucket longer (1 s for 1 min, 1 min for 1 h, 15 min for 24 h).
 * Erring that way is deliberate: a limit may hold a payment a little longer than it says,
 * never forget one early.
 */

export const DIMENSIONS = ['customer', 'device', 'ip', 'email'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const WINDOWS = ['1m', '1h', '24h'] as const;
export type VelocityWindow = (typeof WINDOWS)[number];

/** One counted thing: e.g. (mch_1, device, fingerprint abc). */
export interface VelocityKey { merchantId: string; dimension: Dimension; value: string }

/** Payments counted and their amounts (integer minor units) per window, for one key. */
export interface VelocityFacts {
  count: Record<VelocityWindow, number>;
  amount: Record<VelocityWindow, number>;
}

/**
 * "The window may hold at most `max` with this payment": for `count`, before + 1 ≤ max
 * (so "count_1h < 5" is max 5); for `amount`, before + amount ≤ max. A limit applies to
 * every key of its dimension in the call; a call without such a key does not meet it.
 */
export interface VelocityLimit {
  /** Reported back in `breached`, e.g. a rule id. */
  name: string;
  dimension: Dimension;
  window: VelocityWindow;
  measure: 'count' | 'amount';
  max: number;
}

/** What release() needs to take an admitted payment back out of the buckets it went into. */
export interface VelocityReservation {
  keys: VelocityKey[]; amount: number; at: number;
  /** Set when the Redis store's insurance counted it (Redis was unreachable): release goes there too. */
  insured?: boolean;
}

export interface VelocityReserve {
  admitted: boolean;
  /** Per key, in the order given: the counts before this payment (what the limits were checked on). */
  before: VelocityFacts[];
  /** The limits this payment would have broken; empty when admitted. */
  breached: VelocityLimit[];
  /** Present when admitted. */
  reservation?: VelocityReservation;
}

export interface VelocityStore {
  read(keys: VelocityKey[], now: number): Promise<VelocityFacts[]>;
  /**
   * Atomically: reads the keys, checks every limit, and counts the payment on every key only
   * if all pass (nothing is counted for a refused payment). Across gateway nodes too, with Redis.
   */
  reserve(keys: VelocityKey[], amount: number, limits: VelocityLimit[], now: number): Promise<VelocityReserve>;
  /**
   * Takes back an admitted payment that was refused later (e.g. by a rule after the
   * counters). Call at most once per reservation; buckets already out of their window are
   * left alone, so a late release never takes from newer payments.
   */
  release(reservation: VelocityReservation, now: number): Promise<void>;
}

/**
 * Per window: its length and its bucket. The order is the order of WINDOWS and of the
 * numbers the Redis script returns. Changing a bucket size changes stored field names:
 * counts kept under the old size are ignored (at most one day of them).
 */
export const SERIES: ReadonlyArray<{ window: VelocityWindow; lengthMs: number; bucketMs: number }> = [
  { window: '1m', lengthMs: 60_000, bucketMs: 1_000 },
  { window: '1h', lengthMs: 3_600_000, bucketMs: 60_000 },
  { window: '24h', lengthMs: 86_400_000, bucketMs: 900_000 },
];

/** How long a key must be kept after its last write: the longest window plus its bucket. */
export const RETENTION_MS = Math.max(...SERIES.map((s) => s.lengthMs + s.bucketMs));

export const bucketOf = (at: number, bucketMs: number): number => Math.floor(at / bucketMs);

/** The oldest bucket still inside the window at `now`: n buckets back from the current one. */
export const oldestBucket = (now: number, s: { lengthMs: number; bucketMs: number }): number =>
  bucketOf(now, s.bucketMs) - s.lengthMs / s.bucketMs;

export function emptyFacts(): VelocityFacts {
  return { count: { '1m': 0, '1h': 0, '24h': 0 }, amount: { '1m': 0, '1h': 0, '24h': 0 } };
}

/** The one spelling of a key, for de-duplication and the memory store. */
export const keyId = (k: VelocityKey): string => JSON.stringify([k.merchantId, k.dimension, k.value]);

/** Checks arguments at the edge: a bad amount or limit is the caller's bug, not a decline. */
export function checkReserve(keys: VelocityKey[], amount: number, limits: VelocityLimit[]): void {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`velocity amount must be a non-negative integer in minor units, got ${amount}`);
  for (const k of keys) {
    if (!DIMENSIONS.includes(k.dimension)) throw new RangeError(`velocity dimension must be one of ${DIMENSIONS.join(', ')}, got ${String(k.dimension)}`);
  }
  for (const l of limits) {
    if (!WINDOWS.includes(l.window)) throw new RangeError(`limit ${l.name}: window must be one of ${WINDOWS.join(', ')}`);
    if (l.measure !== 'count' && l.measure !== 'amount') throw new RangeError(`limit ${l.name}: measure must be count or amount`);
    if (!Number.isSafeInteger(l.max)) throw new RangeError(`limit ${l.name}: max must be an integer`);
  }
}

/** Distinct keys in first-seen order: a key given twice is counted once. */
export function distinctKeys(keys: VelocityKey[]): { unique: VelocityKey[]; indexOf: number[] } {
  const seen = new Map<string, number>();
  const unique: VelocityKey[] = [];
  const indexOf = keys.map((k) => {
    const id = keyId(k);
    let i = seen.get(id);
    if (i === undefined) {
      i = unique.push(k) - 1;
      seen.set(id, i);
    }
    return i;
  });
  return { unique, indexOf };
}

/** The limits broken by adding `amount` to keys whose facts are `before` (the memory store's check; the Lua script mirrors it). */
export function breachedLimits(keys: VelocityKey[], before: VelocityFacts[], amount: number, limits: VelocityLimit[]): VelocityLimit[] {
  return limits.filter((l) => keys.some((k, i) => {
    if (k.dimension !== l.dimension) return false;
    const f = before[i]!;
    return l.measure === 'count' ? f.count[l.window] + 1 > l.max : f.amount[l.window] + amount > l.max;
  }));
}
