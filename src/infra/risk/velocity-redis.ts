/**
 * Velocity counters in Redis, shared by every gateway node. One Lua script does the whole
 * read-check-count, so it is atomic across nodes: Redis runs one script at a time, and two
 * nodes reserving against the last unit of a limit cannot both see it free.
 *
 * One hash per key; fields `c<series>:<bucket>` (payments) and `a<series>:<bucket>` (amount)
 * in the buckets of velocity.ts. Memory is bounded per key by the bucket count (writes drop
 * the buckets that left their window) and in time by PEXPIRE: a key is gone one retention
 * after its last write.
 *
 * Key values (emails, IPs, fingerprints) are stored as SHA-256 digests, so Redis holds no
 * buyer data in clear and key length does not depend on the caller. All of a merchant's keys
 * share a hash tag, so one script's keys live in one slot on Redis Cluster too.
 *
 * While Redis is unreachable an `insurance` store (memory) answers, as the rate limits do
 * (ratelimit/window.ts): limits then hold per node instead of failing every payment or none.
 * Script errors are bugs and are thrown either way.
 */
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  RETENTION_MS, SERIES, WINDOWS, checkReserve, distinctKeys, emptyFacts,
  type VelocityFacts, type VelocityKey, type VelocityLimit, type VelocityStore,
} from './velocity.js';

// ARGV: op, now, at, amount, retention, (length, bucket) × 3, limit count, then per
// (limit, key) pair: key index, series, measure (c|a), max, limit index.
// Reply: breached count, breached limit indexes, then per key (count, amount) × 3 series.
// Amounts go to HINCRBY as the strings given: Lua would print numbers over 1e14 as 1e+14.
const SCRIPT = `
local op = ARGV[1]
local now, at, amount, retention = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local bms, cur, oldest = {}, {}, {}
for s = 1, 3 do
  bms[s] = tonumber(ARGV[5 + 2 * s])
  cur[s] = math.floor(now / bms[s])
  oldest[s] = cur[s] - tonumber(ARGV[4 + 2 * s]) / bms[s]
end
local function facts(key, prune)
  local f = {0, 0, 0, 0, 0, 0}
  local all = redis.call('HGETALL', key)
  local stale = {}
  for i = 1, #all, 2 do
    local field = all[i]
    local s, b = tonumber(string.sub(field, 2, 2)), tonumber(string.sub(field, 4))
    if s and b and bms[s] then
      if b < oldest[s] then
        stale[#stale + 1] = field
      elseif b <= cur[s] then
        local slot = 2 * s - (string.sub(field, 1, 1) == 'c' and 1 or 0)
        f[slot] = f[slot] + tonumber(all[i + 1])
      end
    end
  end
  if prune and #stale > 0 then redis.call('HDEL', key, unpack(stale)) end
  return f
end
local F = {}
for k = 1, #KEYS do F[k] = facts(KEYS[k], op ~= 'read') end
local breached = {}
if op == 'reserve' then
  for j = 0, tonumber(ARGV[12]) - 1 do
    local base = 13 + 5 * j
    local f, s, max = F[tonumber(ARGV[base])], tonumber(ARGV[base + 1]), tonumber(ARGV[base + 3])
    local over
    if ARGV[base + 2] == 'c' then over = f[2 * s - 1] + 1 > max else over = f[2 * s] + amount > max end
    if over then breached[#breached + 1] = tonumber(ARGV[base + 4]) end
  end
  if #breached == 0 then
    for k = 1, #KEYS do
      for s = 1, 3 do
        local b = string.format('%d', math.floor(at / bms[s]))
        redis.call('HINCRBY', KEYS[k], 'c' .. s .. ':' .. b, 1)
        redis.call('HINCRBY', KEYS[k], 'a' .. s .. ':' .. b, ARGV[4])
      end
      redis.call('PEXPIRE', KEYS[k], retention)
    end
  end
elseif op == 'release' then
  for k = 1, #KEYS do
    for s = 1, 3 do
      local b = math.floor(at / bms[s])
      if b >= oldest[s] then
        local cf, af = 'c' .. s .. ':' .. string.format('%d', b), 'a' .. s .. ':' .. string.format('%d', b)
        local c, a = tonumber(redis.call('HGET', KEYS[k], cf) or '0'), tonumber(redis.call('HGET', KEYS[k], af) or '0')
        if c <= 1 and a <= amount then
          redis.call('HDEL', KEYS[k], cf, af)
        else
          if c > 0 then redis.call('HINCRBY', KEYS[k], cf, -1) end
          if a > 0 then redis.call('HINCRBY', KEYS[k], af, string.format('%d', -math.min(a, amount))) end
        end
      end
    end
  end
end
local reply = {#breached}
for i = 1, #breached do reply[#reply + 1] = breached[i] end
for k = 1, #KEYS do for i = 1, 6 do reply[#reply + 1] = F[k][i] end end
return reply`;

const SHA = crypto.createHash('sha1').update(SCRIPT).digest('hex');
const SERIES_ARGS = SERIES.flatMap((s) => [String(s.lengthMs), String(s.bucketMs)]);

export interface RedisVelocityOptions {
  redis: Redis;
  /** Prepended to every key (PAYGATE_REDIS_PREFIX), so deployments and tests can share a server. */
  prefix: string;
  /** Answers while Redis is unreachable (createMemoryVelocity()); without it, such errors reach the caller. */
  insurance?: VelocityStore;
}

/** A reply from Redis (e.g. a script error) means Redis is there: only connection trouble falls back. */
const isReplyError = (err: unknown): boolean => err instanceof Error && err.name === 'ReplyError';

export function createRedisVelocity(opts: RedisVelocityOptions): VelocityStore {
  const { redis, prefix, insurance } = opts;
  const guarded = async <T>(viaRedis: () => Promise<T>, viaInsurance: (store: VelocityStore) => Promise<T>): Promise<T> => {
    if (!insurance) return viaRedis();
    // Without an offline queue a command fails at once while disconnected; skip the attempt.
    if (redis.status !== 'ready') return viaInsurance(insurance);
    try {
      return await viaRedis();
    } catch (err) {
      if (isReplyError(err)) throw err;
      return viaInsurance(insurance);
    }
  };
  const redisKey = (k: VelocityKey): string =>
    `${prefix}vel:{${k.merchantId}}:${k.dimension}:${crypto.createHash('sha256').update(k.value).digest('base64url')}`;

  // EVALSHA first: the script text travels only when this server has not seen it yet (first
  // call, after a restart or SCRIPT FLUSH); EVAL caches it again for the next call.
  const run = async (keys: VelocityKey[], args: string[]): Promise<number[]> => {
    const names = keys.map(redisKey);
    try {
      return (await redis.evalsha(SHA, names.length, ...names, ...args)) as number[];
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return (await redis.eval(SCRIPT, names.length, ...names, ...args)) as number[];
    }
  };
  const call = async (op: 'read' | 'reserve' | 'release', keys: VelocityKey[], now: number, at: number, amount: number, limitArgs: string[] = []) => {
    const reply = await run(keys, [op, String(now), String(at), String(amount), String(RETENTION_MS), ...SERIES_ARGS, String(limitArgs.length / 5), ...limitArgs]);
    const nBreached = reply[0]!;
    const breached = reply.slice(1, 1 + nBreached);
    const facts = keys.map((_, k) => {
      const f = emptyFacts();
      WINDOWS.forEach((w, s) => {
        f.count[w] = reply[1 + nBreached + 6 * k + 2 * s]!;
        f.amount[w] = reply[2 + nBreached + 6 * k + 2 * s]!;
      });
      return f;
    });
    return { breached, facts };
  };

  const viaRedis: VelocityStore = {
    async read(keys, now) {
      const { unique, indexOf } = distinctKeys(keys);
      if (unique.length === 0) return [];
      const { facts } = await call('read', unique, now, now, 0);
      return indexOf.map((i) => facts[i]!);
    },
    async reserve(keys, amount, limits, now) {
      const { unique, indexOf } = distinctKeys(keys);
      if (unique.length === 0) return { admitted: true, before: [], breached: [], reservation: { keys: [], amount, at: now } };
      const limitArgs: string[] = [];
      limits.forEach((l: VelocityLimit, li) => {
        const s = WINDOWS.indexOf(l.window) + 1;
        unique.forEach((k, ki) => {
          if (k.dimension === l.dimension) limitArgs.push(String(ki + 1), String(s), l.measure === 'count' ? 'c' : 'a', String(l.max), String(li));
        });
      });
      const { breached, facts } = await call('reserve', unique, now, now, amount, limitArgs);
      const before: VelocityFacts[] = indexOf.map((i) => facts[i]!);
      const hit = [...new Set(breached)].sort((a, b) => a - b).map((i) => limits[i]!);
      if (hit.length > 0) return { admitted: false, before, breached: hit };
      return { admitted: true, before, breached: [], reservation: { keys: unique, amount, at: now } };
    },
    async release(r, now) {
      const { unique } = distinctKeys(r.keys);
      if (unique.length > 0) await call('release', unique, now, r.at, r.amount);
    },
  };

  return {
    read: (keys, now) => guarded(() => viaRedis.read(keys, now), (i) => i.read(keys, now)),
    async reserve(keys, amount, limits, now) {
      checkReserve(keys, amount, limits);
      return guarded(() => viaRedis.reserve(keys, amount, limits, now), async (i) => {
        const r = await i.reserve(keys, amount, limits, now);
        return r.reservation ? { ...r, reservation: { ...r.reservation, insured: true } } : r;
      });
    },
    async release(r, now) {
      if (r.insured) return insurance?.release(r, now);
      // Redis away: the payment stays counted until its buckets age out, erring strict.
      return guarded(() => viaRedis.release(r, now), async () => undefined);
    },
  };
}
