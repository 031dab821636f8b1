/**
 * Configuration comes from the environment, is validated once at boot, then frozen.
 * Every knob is listed in README.md's configuration table.
 */
import net from 'node:net';
import { z } from 'zod';
import { parseAllowList, type AllowList } from './http/address-policy.js';

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
  /**
   * Provider simulators and the sandbox webhook inbox at /sandbox/*. Unset: on only in the
   * embedded quick start (no DATABASE_URL, NODE_ENV not production), because anyone who can
   * reach the gateway can use them. Resolved in loadConfig.
   */
  PAYGATE_SIMULATORS: bool.optional(),
  /** Only `production` matters here: it turns the simulators off by default, as DATABASE_URL does. */
  NODE_ENV: z.string().optional(),
  /** PEM files (the certificate file may hold the full chain): both set → HTTPS on PORT (and on the admin listener). */
  PAYGATE_TLS_CERT: z.string().min(1).optional(),
  PAYGATE_TLS_KEY: z.string().min(1).optional(),
  /** Strict-Transport-Security max-age in seconds on every HTTPS answer (0 tells browsers to forget it). */
  PAYGATE_HSTS_MAX_AGE: z.coerce.number().int().min(0).max(10 * 31_536_000).default(31_536_000),
  /** Opt-in: the HSTS header also covers every subdomain (only if all of them serve HTTPS). */
  PAYGATE_HSTS_INCLUDE_SUBDOMAINS: bool.default(false),
  /** With TLS: a plain-HTTP listener on HOST:this port that answers 308 to the https URL (and /healthz). */
  PAYGATE_HTTP_REDIRECT_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** host:port ([v6]:port) of a second listener for /admin/*, /metrics, /healthz, /readyz; the public one then answers 404 for admin and metrics. */
  PAYGATE_ADMIN_LISTEN: z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[\w.-]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9090 or [::1]:9090').optional(),
  /** /metrics then needs Authorization: Bearer <this>, wherever it is served. */
  PAYGATE_METRICS_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  PAYGATE_WORKER: bool.default(true),
  PAYGATE_TIME_SCALE: z.coerce.number().positive().max(1).default(1),
  PAYGATE_SANDBOX_TIME_SCALE: z.coerce.number().positive().max(1).optional(),
  PAYGATE_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  PAYGATE_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /**
   * Hosts and CIDR ranges (comma-separated) that webhook deliveries may reach although they
   * are loopback, private, link-local, … (docs/security.md); `none` for no exception. Unset:
   * loopback in the embedded quick start (its demo inbox is on this node), nothing otherwise.
   */
  PAYGATE_WEBHOOK_ALLOWED_HOSTS: z.string().max(4096).superRefine((v, ctx) => {
    try {
      parseAllowList(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  }).optional(),
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
  // Admission of unauthenticated traffic (docs/security.md, "Admission"): each kind has its
  // own budget, so none of it can use up PAYGATE_MAX_INFLIGHT, which counts authenticated
  // /v1 and /admin requests only.
  /** Requests per second one client address may send to the cashier (/pay/*: pages, status polls, event-stream connects) and /docs; over it 429 RATE_LIMIT.CLIENT_EXCEEDED. Generous: many buyers can share one carrier-grade NAT address. */
  PAYGATE_CASHIER_RATE_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(50),
  /** Cashier and docs requests in progress on this node (event streams not included); over it 503 RATE_LIMIT.NODE_BUSY. */
  PAYGATE_CASHIER_MAX_INFLIGHT: z.coerce.number().int().min(1).max(1_000_000).default(256),
  /** Open status streams (/pay/{id}/events) per payment on this node; over it 429 RATE_LIMIT.STREAMS_PER_PAYMENT and the page polls /status instead. */
  PAYGATE_SSE_MAX_PER_PAYMENT: z.coerce.number().int().min(1).max(1_000_000).default(16),
  /** Open status streams on this node in all (each holds a socket: keep under the open-file limit); over it 503 RATE_LIMIT.NODE_BUSY. */
  PAYGATE_SSE_MAX_STREAMS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Provider notifications in progress on this node (body upload included), one address at most half of them; over it 503 RATE_LIMIT.NODE_BUSY, which every provider retries. */
  PAYGATE_NOTIFY_MAX_INFLIGHT: z.coerce.number().int().min(2).max(1_000_000).default(256),
  /** Simulator requests (/sandbox/*) in progress on this node; over it 503 RATE_LIMIT.NODE_BUSY. */
  PAYGATE_SANDBOX_MAX_INFLIGHT: z.coerce.number().int().min(1).max(1_000_000).default(256),
  /** A request's headers must arrive within this (from the connection's start, or the previous answer); else 408 and the connection is closed. */
  PAYGATE_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** A whole request, body included, must arrive within this (slow-loris bodies); at least PAYGATE_HEADERS_TIMEOUT_MS. */
  PAYGATE_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** An idle keep-alive connection is closed after this. Above a load balancer's idle timeout (60 s on most), so it never reuses a socket the node is closing. */
  PAYGATE_KEEPALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(72_000),
  /**
   * A connection with no byte moving either way for this long is closed (a client that stops
   * reading its answer). Event streams send a heartbeat every min(15 s, a third of this), so
   * healthy ones never trip it; keep it above the slowest request (provider calls and retries).
   */
  PAYGATE_SOCKET_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(120_000),
  /**
   * Whose X-Forwarded-For to believe for the client address (per-address limits): comma-separated
   * IPs or CIDRs of your proxies / load balancers, or loopback, linklocal, uniquelocal; `none`
   * trusts nobody. A proxy not listed makes every buyer look like the proxy's one address.
   */
  PAYGATE_TRUST_PROXY: z.string().refine((v) => v.trim() === 'none' || v.split(',').every((p) => isTrustEntry(p.trim())), 'none, or a comma-separated list of IPs, CIDRs, loopback, linklocal, uniquelocal').default('loopback'),
  /** Days a stored provider notification keeps its (masked) raw body; then the body is removed and the row (ids, verdict) stays for the books. */
  PAYGATE_NOTIFICATION_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** Hours an Idempotency-Key row and the answer it replays are kept; at most 24, the key's lifetime. */
  PAYGATE_IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().int().min(1).max(24).default(24),
  // Reconciliation (docs/reconciliation.md).
  /** on: every provider account with a bill is reconciled daily (yesterday's bill, after it is ready, at PAYGATE_RECON_DELAY_MINUTES past the provider's ready time in its own time zone); off: only on request. */
  PAYGATE_RECON_SCHEDULE: z.enum(['on', 'off']).default('on'),
  /** Minutes after a provider's bill-ready time (Alipay and WeChat Pay 10:00, UnionPay 09:00 Asia/Shanghai; Stripe 02:00, PayPal 06:00 UTC) the daily run starts; off-peak by default. */
  PAYGATE_RECON_DELAY_MINUTES: z.coerce.number().int().min(0).max(12 * 60).default(30),
  /** A success this close (seconds) to the end of the provider's day that the bill does not list is `timing` (expected in the next bill), not `missing_at_provider`. */
  PAYGATE_RECON_TIMING_WINDOW_S: z.coerce.number().int().min(0).max(6 * 3600).default(600),
  /** Days a run's matched rows (one per bill row) are kept: the next day's run reads the previous day's; older ones only serve a re-run of an old day. */
  PAYGATE_RECON_MATCH_RETENTION_DAYS: z.coerce.number().int().min(2).max(3650).default(7),
  /** A run that finds more differences than this fails (RECON.TOO_MANY_DIFFERENCES) rather than holding them all until its commit. */
  PAYGATE_RECON_MAX_DIFFERENCES: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
  /** A bill download larger than this is refused (RECON.BILL_TOO_LARGE). */
  PAYGATE_RECON_MAX_BILL_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 ** 3).default(2 * 1024 ** 3),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** One PAYGATE_TRUST_PROXY entry: an address, a CIDR, or a range name proxy-addr knows. */
function isTrustEntry(p: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(p)) return true;
  const [addr = '', bits, extra] = p.split('/');
  if (extra !== undefined || net.isIP(addr) === 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (net.isIPv4(addr) ? 32 : 128));
}

export type RawConfig = z.infer<typeof schema>;

export interface Config extends Omit<RawConfig, 'PAYGATE_SIMULATORS'> {
  /** Base URL providers and buyers reach Paygate at (notify URLs, checkout pages). */
  publicUrl: string;
  embedded: boolean;
  /** Resolved: the explicit PAYGATE_SIMULATORS, else on only in the embedded quick start outside production. */
  PAYGATE_SIMULATORS: boolean;
  /** Parsed PAYGATE_ADMIN_LISTEN. */
  adminListen?: { host: string; port: number };
  tls: boolean;
  sandboxTimeScale: number;
  /** Parsed PAYGATE_WEBHOOK_ALLOWED_HOSTS, or its default. */
  webhookAllowList: AllowList;
  /** True when loopback is allowed only because of the quick-start default (the banner says so). */
  webhookLoopbackByDefault: boolean;
}

/** The quick start's demo inbox lives on this node, so loopback is its one exception. */
const QUICK_START_WEBHOOK_HOSTS = '127.0.0.0/8,::1,localhost';

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
  if (raw.PAYGATE_HEADERS_TIMEOUT_MS > raw.PAYGATE_REQUEST_TIMEOUT_MS) {
    throw new ConfigError('PAYGATE_HEADERS_TIMEOUT_MS must not exceed PAYGATE_REQUEST_TIMEOUT_MS (the headers are part of the request)');
  }
  const tls = listenerConfig(raw);
  return Object.freeze({
    ...raw,
    ...tls,
    PAYGATE_SIMULATORS: raw.PAYGATE_SIMULATORS ?? (embedded && raw.NODE_ENV !== 'production'),
    publicUrl: (raw.PAYGATE_PUBLIC_URL ?? `${tls.tls ? 'https' : 'http'}://${raw.HOST}:${raw.PORT}`).replace(/\/$/, ''),
    embedded,
    sandboxTimeScale: raw.PAYGATE_SANDBOX_TIME_SCALE ?? raw.PAYGATE_TIME_SCALE,
    ...webhookHosts(raw, embedded && raw.NODE_ENV !== 'production'),
  });
}

function webhookHosts(raw: RawConfig, quickStart: boolean): { webhookAllowList: AllowList; webhookLoopbackByDefault: boolean } {
  if (raw.PAYGATE_WEBHOOK_ALLOWED_HOSTS !== undefined) return { webhookAllowList: parseAllowList(raw.PAYGATE_WEBHOOK_ALLOWED_HOSTS), webhookLoopbackByDefault: false };
  return { webhookAllowList: parseAllowList(quickStart ? QUICK_START_WEBHOOK_HOSTS : 'none'), webhookLoopbackByDefault: quickStart };
}

/** Listener settings that depend on each other (files themselves are read by http/tls.ts at boot). */
function listenerConfig(raw: RawConfig): { tls: boolean; adminListen?: { host: string; port: number } } {
  if ((raw.PAYGATE_TLS_CERT === undefined) !== (raw.PAYGATE_TLS_KEY === undefined)) {
    throw new ConfigError('PAYGATE_TLS_CERT and PAYGATE_TLS_KEY go together: set both (PEM files) for HTTPS, or neither');
  }
  const tls = raw.PAYGATE_TLS_CERT !== undefined;
  if (raw.PAYGATE_HTTP_REDIRECT_PORT !== undefined && !tls) {
    throw new ConfigError('PAYGATE_HTTP_REDIRECT_PORT redirects to HTTPS, so it needs PAYGATE_TLS_CERT and PAYGATE_TLS_KEY');
  }
  if (!raw.PAYGATE_ADMIN_LISTEN) return { tls };
  const i = raw.PAYGATE_ADMIN_LISTEN.lastIndexOf(':');
  const port = Number(raw.PAYGATE_ADMIN_LISTEN.slice(i + 1));
  if (port > 65535) throw new ConfigError('PAYGATE_ADMIN_LISTEN: the port must be 0..65535');
  return { tls, adminListen: { host: raw.PAYGATE_ADMIN_LISTEN.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port } };
}
