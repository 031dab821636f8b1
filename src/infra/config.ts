/**
 * Configuration comes from the environment, is validated once at boot, then frozen.
 * Every knob is listed in README.md's configuration table.
 */
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  PAYGATE_PUBLIC_URL: z.url().optional(),
  PAYGATE_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  PAYGATE_MASTER_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)')
    .optional(),
  PAYGATE_ADMIN_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  PAYGATE_SIMULATORS: bool.default(true),
  PAYGATE_WORKER: bool.default(true),
  PAYGATE_TIME_SCALE: z.coerce.number().positive().max(1).default(1),
  PAYGATE_SANDBOX_TIME_SCALE: z.coerce.number().positive().max(1).optional(),
  PAYGATE_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  PAYGATE_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** Per provider account, per node: concurrent calls allowed (a queue of a quarter of this waits; the rest fail fast). */
  PAYGATE_PROVIDER_BULKHEAD: z.coerce.number().int().min(1).max(10_000).default(64),
  /** Failure rate (0..1, exclusive) of an account's calls over the window that opens its circuit breaker. */
  PAYGATE_BREAKER_THRESHOLD: z.coerce.number().gt(0).lt(1).default(0.25),
  PAYGATE_BREAKER_WINDOW_MS: z.coerce.number().int().min(500).max(600_000).default(10_000),
  /** Below this many calls in the window the breaker never opens: a few failures at low traffic are not an outage. */
  PAYGATE_BREAKER_MIN_CALLS: z.coerce.number().int().min(1).max(1_000_000).default(20),
  /** How long an open breaker refuses calls before it lets one probe through. */
  PAYGATE_BREAKER_HALF_OPEN_MS: z.coerce.number().int().min(100).max(3_600_000).default(5_000),
  PAYGATE_BODY_LIMIT: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  PAYGATE_JOB_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  PAYGATE_JOB_POLL_MS: z.coerce.number().int().min(5).max(60_000).default(250),
  /** PostgreSQL connections per node: nodes × this must stay under the server's max_connections. */
  PAYGATE_DB_POOL_SIZE: z.coerce.number().int().min(2).max(500).default(20),
  /** How long a node may serve a cached API key / provider account / routing rule after a change elsewhere when no broadcast arrives. */
  PAYGATE_CONFIG_CACHE_TTL_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  /** Prefix of every Redis key and channel, so several deployments (or test runs) can share one Redis. */
  PAYGATE_REDIS_PREFIX: z.string().regex(/^[\w:.-]{1,64}$/, 'letters, digits, _ : . - (at most 64)').default('paygate:'),
  /** Requests per second per API key when the key has no rate_limit of its own. */
  PAYGATE_RATE_LIMIT_PER_S: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** In-flight gateway requests on this node above which low, then normal, then high priority requests are shed. */
  PAYGATE_MAX_INFLIGHT: z.coerce.number().int().min(1).max(1_000_000).default(512),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type RawConfig = z.infer<typeof schema>;

export interface Config extends RawConfig {
  /** Base URL providers and buyers reach Paygate at (notify URLs, checkout pages). */
  publicUrl: string;
  embedded: boolean;
  sandboxTimeScale: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  // Empty strings in the environment mean "unset", which is what shells and .env files intend.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const raw = parsed.data;
  const embedded = raw.DATABASE_URL === undefined;
  if (!embedded && raw.PAYGATE_MASTER_KEY === undefined) {
    throw new ConfigError('PAYGATE_MASTER_KEY is required with DATABASE_URL (32 bytes base64: openssl rand -base64 32)');
  }
  return Object.freeze({
    ...raw,
    publicUrl: (raw.PAYGATE_PUBLIC_URL ?? `http://${raw.HOST}:${raw.PORT}`).replace(/\/$/, ''),
    embedded,
    sandboxTimeScale: raw.PAYGATE_SANDBOX_TIME_SCALE ?? raw.PAYGATE_TIME_SCALE,
  });
}
