/**
 * Request counts per key in fixed one-second windows (rate-limiter-flexible). With Redis the
 * count is shared by every node; each Redis limiter is insured by an in-memory limiter with
 * the same settings, so while Redis is unreachable every node keeps limiting on its own
 * rather than failing open (no limit) or closed (refusing everyone).
 *
 * Several caps apply to one count (app/rate-limit.ts: a key's priority classes share its
 * budget), so a request is counted only if the count stays within the caller's cap; a
 * refused request is not counted. That must be atomic: consuming first and giving the point
 * back afterwards lets every refused request in flight inflate the count for a moment, and a
 * flood of low-priority requests then refuses high ones that should fit.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface WindowTake {
  admitted: boolean;
  /** The window's count with this request (also when refused: what it would have been). */
  count: number;
  /** Until the window ends. */
  msBeforeNext: number;
}

export interface WindowCounter {
  /** Counts one request for `key` (budget `limit` per second) if the count stays within `cap` (≤ limit). */
  take(key: string, limit: number, cap: number): Promise<WindowTake>;
}

const WINDOW_S = 1;

/**
 * rate-limiter-flexible's increment script (set the window key with its expiry if absent,
 * INCRBY, PTTL) with one change: an increment that would pass the limiter's points
 * (ARGV[3], here the caller's cap) is reported but not applied.
 */
const CAPPED_INCR = `redis.call('set', KEYS[1], 0, 'EX', ARGV[2], 'NX')
local ttl = redis.call('pttl', KEYS[1])
if ttl == -1 then
  redis.call('expire', KEYS[1], ARGV[2])
  ttl = 1000 * ARGV[2]
end
local points = tonumber(ARGV[1])
local current = tonumber(redis.call('get', KEYS[1]))
if points > 0 and current + points > tonumber(ARGV[3]) then
  return {current + points, ttl}
end
return {redis.call('incrby', KEYS[1], points), ttl}`;

/**
 * The in-memory counterpart: consume, and give the point back at once when over the cap
 * passed in the options. Memory operations run synchronously inside the promise, so the
 * over-count is visible to other requests only between two microtasks.
 */
class CappedMemory extends RateLimiterMemory {
  override async consume(key: string | number, points = 1, options: { cap?: number } = {}): Promise<RateLimiterRes> {
    const res = await super.consume(key, points, options).catch((r: unknown) => {
      if (r instanceof RateLimiterRes) return r;
      throw r;
    });
    const cap = options.cap ?? this.points;
    if (res.consumedPoints <= cap) return res;
    await super.reward(key, points, options);
    throw res;
  }
}

export function createWindowCounter(opts: { redis?: Redis | undefined; prefix: string }): WindowCounter {
  const settings = (points: number) => ({ points, duration: WINDOW_S, keyPrefix: `${opts.prefix}rl` });
  // A limiter's points are fixed at construction: one in memory per limit, one in Redis per
  // cap (a handful: three classes of the default limit and of whatever admins configured).
  // All of them count in the same key, so the classes share the budget.
  const memory = new Map<number, CappedMemory>();
  const memoryFor = (limit: number): CappedMemory => {
    let m = memory.get(limit);
    if (!m) memory.set(limit, (m = new CappedMemory(settings(limit))));
    return m;
  };
  // The script is registered on the client under the library's one command name: every
  // RateLimiterRedis on this client must use it.
  const redis = new Map<string, RateLimiterAbstract>();
  const limiterFor = (limit: number, cap: number): RateLimiterAbstract => {
    if (!opts.redis) return memoryFor(limit);
    let l = redis.get(`${limit}:${cap}`);
    if (!l) {
      l = new RateLimiterRedis({
        ...settings(cap), storeClient: opts.redis, customIncrTtlLuaScript: CAPPED_INCR,
        // While disconnected go straight to the insurance, without a doomed round trip.
        rejectIfRedisNotReady: true, insuranceLimiter: memoryFor(limit),
      });
      redis.set(`${limit}:${cap}`, l);
    }
    return l;
  };
  return {
    async take(key, limit, cap) {
      try {
        // The options reach the insurance limiter unchanged: that is how it learns the cap.
        const r = await limiterFor(limit, cap).consume(key, 1, { cap });
        return { admitted: true, count: r.consumedPoints, msBeforeNext: r.msBeforeNext };
      } catch (err) {
        if (err instanceof RateLimiterRes) return { admitted: false, count: err.consumedPoints, msBeforeNext: err.msBeforeNext };
        throw err;
      }
    },
  };
}
