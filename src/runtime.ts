/**
 * Composition root: config → vault → database (migrated) → context → HTTP app, job worker
 * and, in the embedded default, the in-process provider simulators. The CLI and the tests
 * both start Paygate through createRuntime.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { pino, type DestinationStream } from 'pino';
import type { FastifyInstance } from 'fastify';
import { ConfigError, loadConfig, type Config } from './infra/config.js';
import { Vault, loadMasterKey } from './infra/crypto/vault.js';
import { migrate, openDb, type Db } from './infra/db/index.js';
import { createTransport } from './infra/http/transport.js';
import { createMetrics } from './infra/metrics.js';
import { LocalStatusBus } from './infra/events/bus.js';
import { PgStatusBus } from './infra/events/pg-bus.js';
import { Worker } from './infra/jobs/worker.js';
import { enqueue } from './infra/jobs/queue.js';
import { countDeadByKind } from './infra/jobs/dead-letters.js';
import type { AppContext } from './app/context.js';
import { jobHandlers } from './app/jobs.js';
import { ConfigCache } from './app/config-cache.js';
import { createNodeServices } from './app/services.js';
import { rateLimitMetrics } from './app/rate-limit.js';
import { createWindowCounter } from './infra/ratelimit/window.js';
import { RedisLink } from './infra/redis/client.js';
import { createMemoryVelocity } from './infra/risk/velocity-memory.js';
import { createRedisVelocity } from './infra/risk/velocity-redis.js';
import { RedisBroadcaster } from './infra/redis/broadcaster.js';
import { buildServer, LOG_REDACT } from './http/server.js';
import { createSimulators, type Simulators } from './sandbox/index.js';
import { GatewayListeners, type ListenerAddresses } from './http/listeners.js';
import { readTlsMaterial, TlsReloader } from './http/tls.js';

export interface Runtime {
  config: Readonly<Config>;
  ctx: AppContext;
  app: FastifyInstance;
  simulators: Simulators;
  notes: string[];
  /** URLs of the listeners once listen() has run (admin and redirect only when configured). */
  listeners: Partial<ListenerAddresses>;
  /** Re-reads PAYGATE_TLS_CERT / PAYGATE_TLS_KEY (also on SIGHUP and on a change of either file); false if nothing changed or the new pair is bad. */
  reloadTls(): boolean;
  listen(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A job's lease must outlast the job (a few provider calls or one webhook POST, each bounded
 * by its timeout) yet be short, because a crashed node's jobs wait for it to expire.
 */
function jobLeaseMs(config: Readonly<Config>): number {
  return 3 * Math.max(config.PAYGATE_PROVIDER_TIMEOUT_MS, config.PAYGATE_WEBHOOK_TIMEOUT_MS) + 5_000;
}

/** One MIN over the jobs_due index, read when /metrics is scraped. */
async function oldestDueJobRunAt(db: Db, now: number): Promise<number | null> {
  const row = await db.selectFrom('jobs').select((eb) => eb.fn.min<number>('run_at').as('t')).where('run_at', '<=', now).executeTakeFirst();
  return row?.t === null || row?.t === undefined ? null : Number(row.t);
}

export interface RuntimeOptions {
  /** Where the log goes (default stdout); tests pass a stream they can read. */
  logDestination?: DestinationStream;
}

export async function createRuntime(env: Record<string, string | undefined> = process.env, opts: RuntimeOptions = {}): Promise<Runtime> {
  let config = loadConfig(env);
  // Before anything is written: a bad certificate or key stops the boot with the variable to fix.
  const tlsMaterial = config.PAYGATE_TLS_CERT && config.PAYGATE_TLS_KEY ? readTlsMaterial(config.PAYGATE_TLS_CERT, config.PAYGATE_TLS_KEY) : undefined;
  const notes: string[] = [];
  const master = loadMasterKey({ ...(config.PAYGATE_MASTER_KEY ? { masterKey: config.PAYGATE_MASTER_KEY } : {}), dataDir: config.PAYGATE_DATA_DIR });
  if (master.source === 'generated') notes.push(`generated a master key at ${master.file} (keep it: it decrypts stored credentials; set PAYGATE_MASTER_KEY in production)`);
  if (!config.PAYGATE_ADMIN_TOKEN) {
    // Embedded default: an admin token kept next to the data, so the admin API works out of the box.
    const file = path.join(config.PAYGATE_DATA_DIR, 'admin.token');
    let token = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
    if (!token) {
      token = `adm_${crypto.randomBytes(24).toString('base64url')}`;
      fs.mkdirSync(config.PAYGATE_DATA_DIR, { recursive: true });
      fs.writeFileSync(file, token + '\n', { mode: 0o600 });
      notes.push(`generated an admin token at ${file}`);
    }
    config = Object.freeze({ ...config, PAYGATE_ADMIN_TOKEN: token });
  }

  const log = pino({ level: config.LOG_LEVEL, redact: { paths: LOG_REDACT, censor: '[redacted]' } }, opts.logDestination);
  const dbh = await openDatabase(config);

  // Production mode: shared rate limits and cross-node cache invalidation. Boot does not wait
  // for Redis; until it answers, limits are per node (see infra/redis/client.ts).
  const redis = config.REDIS_URL ? new RedisLink(config.REDIS_URL, log) : undefined;
  let publicUrl = config.publicUrl;
  let worker: Worker | undefined;
  // The one clock: the context, the services below and this file's own timestamps read it.
  const now = () => Date.now();
  const metrics = createMetrics({ defaultMetrics: true, oldestDueJobRunAt: () => oldestDueJobRunAt(dbh.db, now()), deadJobsByKind: () => countDeadByKind(dbh.db) });
  const ctx: AppContext = {
    config, dbh, db: dbh.db, vault: new Vault(master.key), transport: createTransport(), metrics, log,
    publicUrl: () => publicUrl,
    now,
    // What the node keeps between requests (provider policies, tokens, credentials; coalesced per-payment work).
    ...createNodeServices({ config, metrics, log, now }),
    timeScale: config.PAYGATE_TIME_SCALE,
    kickJobs: () => worker?.kick(),
    configCache: new ConfigCache(config.PAYGATE_CONFIG_CACHE_TTL_MS, now),
    rateWindows: createWindowCounter({ redis: redis?.client, prefix: config.PAYGATE_REDIS_PREFIX }),
    // Exact across nodes on Redis; while Redis is unreachable this node counts alone in memory.
    velocity: redis ? createRedisVelocity({ redis: redis.client, prefix: config.PAYGATE_REDIS_PREFIX, insurance: createMemoryVelocity() }) : createMemoryVelocity(),
    ...(redis ? { redis } : {}),
    // One node: in-process fan-out. Several nodes need a cross-node StatusBus (see infra/events/bus.ts).
    // Several nodes on one PostgreSQL hear each other's status changes (LISTEN/NOTIFY);
    // the embedded default is one process, so an in-process hub is all it needs.
    statusBus: dbh.pgPool && config.DATABASE_URL
      ? new PgStatusBus(dbh.pgPool, config.DATABASE_URL, (msg, err) => log.warn({ err }, msg))
      : new LocalStatusBus({}, (err) => log.warn({ err }, 'cashier status listener failed')),
  };

  rateLimitMetrics(ctx.metrics.registry);
  if (redis) {
    redis.registerMetrics(ctx.metrics.registry);
    ctx.configCache.setBroadcaster(new RedisBroadcaster({
      publisher: redis.client, subscriber: redis.connection(), channel: `${config.PAYGATE_REDIS_PREFIX}config`,
      nodeId: crypto.randomUUID(), target: ctx.configCache, log,
    }));
  }

  notes.push(...surfaceNotes(config, env));
  if (config.webhookLoopbackByDefault) notes.push('webhooks may be delivered to loopback (127.0.0.0/8, ::1, localhost) so the demo inbox works (embedded quick start; private and link-local addresses stay refused; set PAYGATE_WEBHOOK_ALLOWED_HOSTS to choose, `none` for no exception)');
  const simulators: Simulators = {};
  if (config.PAYGATE_SIMULATORS) {
    for (const sim of createSimulators({ dataDir: path.join(config.PAYGATE_DATA_DIR, 'sandbox'), timeScale: config.sandboxTimeScale, publicUrl: () => publicUrl })) {
      simulators[sim.provider] = sim;
    }
  }
  const tlsReloader: TlsReloader | undefined = tlsMaterial && config.PAYGATE_TLS_CERT && config.PAYGATE_TLS_KEY
    // `listeners` exists by the time anything reloads (reloads start in listen()).
    ? new TlsReloader({ certFile: config.PAYGATE_TLS_CERT, keyFile: config.PAYGATE_TLS_KEY, material: tlsMaterial, servers: () => listeners.tlsServers(), log, registry: ctx.metrics.registry })
    : undefined;
  if (tlsMaterial) notes.push(...certificateNotes(tlsMaterial.leaf, now()));
  const server = await buildServer(ctx, { logger: log, simulators: Object.values(simulators), ...(tlsReloader ? { https: tlsReloader.options } : {}) });
  const app = server.app;
  const listeners: GatewayListeners = new GatewayListeners(app, config, () => tlsReloader?.options);
  const onSighup = () => void tlsReloader?.reload();

  if (config.PAYGATE_WORKER) {
    worker = new Worker({
      db: dbh, workerId: `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`,
      concurrency: config.PAYGATE_JOB_CONCURRENCY, pollMs: config.PAYGATE_JOB_POLL_MS, leaseMs: jobLeaseMs(config), timeScale: ctx.timeScale,
      handlers: jobHandlers(ctx),
      onError: (job, err) => log.error({ err, job_id: job.id, kind: job.kind, ref: job.ref_id }, 'job failed; will retry'),
      onRun: (job, outcome) => ctx.metrics.jobRuns.inc({ kind: job.kind, outcome }),
      metrics: ctx.metrics, log,
    });
    const at = now();
    await enqueue(dbh.db, { kind: 'purge_idempotency', refId: 'global', runAt: at + 60_000 }, at);
    await enqueue(dbh.db, { kind: 'purge_notifications', refId: 'global', runAt: at + 60_000 }, at);
    await enqueue(dbh.db, { kind: 'reconcile_daily', refId: 'global', runAt: at + 60_000 }, at);
  }

  return {
    config, ctx, app, simulators, notes,
    listeners: listeners.addresses,
    reloadTls: () => tlsReloader?.reload() ?? false,
    async listen() {
      const address = await listeners.listen();
      if (!config.PAYGATE_PUBLIC_URL) {
        const port = (app.server.address() as { port: number }).port;
        publicUrl = `${config.tls ? 'https' : 'http'}://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
      }
      if (tlsReloader) {
        tlsReloader.watch();
        process.on('SIGHUP', onSighup);
      }
      worker?.start();
      return address;
    },
    async stop() {
      // Open cashier event streams end first (browsers reconnect to another node), or the drain would wait for them.
      ctx.statusBus?.close();
      // In-flight requests first (they may need the worker-free DB and the simulators), then jobs.
      await server.drain(30_000);
      await worker?.stop();
      // Reconciliation runs stop at their next batch and are marked failed (they can be run again).
      await ctx.background.close();
      tlsReloader?.close();
      process.off('SIGHUP', onSighup);
      await listeners.close();
      await app.close();
      redis?.close();
      for (const sim of Object.values(simulators)) await sim.close();
      await ctx.transport.close();
      await dbh.destroy();
    },
  };
}

/** Startup warnings about what this node exposes (printed by `paygate start`). */
function surfaceNotes(config: Readonly<Config>, env: Record<string, string | undefined>): string[] {
  const notes: string[] = [];
  if (config.PAYGATE_SIMULATORS && config.tls && !env.NODE_EXTRA_CA_CERTS) {
    // Sandbox accounts reach the in-process simulators at the public URL, over this node's own TLS.
    notes.push(`sandbox accounts call the in-process simulators at this node's public URL over TLS: with a self-signed or private-CA certificate, start with NODE_EXTRA_CA_CERTS=<CA or certificate file> so this node trusts itself`);
  }
  if (config.PAYGATE_SIMULATORS) {
    notes.push(config.embedded && config.NODE_ENV !== 'production'
      ? 'simulators and the sandbox webhook inbox are mounted at /sandbox/* for anyone who can reach this port (embedded quick start; off by default with DATABASE_URL or NODE_ENV=production; PAYGATE_SIMULATORS=false turns them off)'
      : 'PAYGATE_SIMULATORS=true: simulators and the sandbox webhook inbox are mounted at /sandbox/* for anyone who can reach this port; never do this on a node that takes real payments');
  }
  if (!config.embedded && !config.adminListen && !config.PAYGATE_METRICS_TOKEN) {
    notes.push('/metrics is public on the main listener and names provider accounts: set PAYGATE_METRICS_TOKEN or move it with PAYGATE_ADMIN_LISTEN');
  }
  return notes;
}

/** A certificate near or past its end still serves (a late renewal must not take the node down), loudly. */
function certificateNotes(leaf: crypto.X509Certificate, now: number): string[] {
  const daysLeft = Math.floor((new Date(leaf.validTo).getTime() - now) / 86_400_000);
  if (daysLeft < 0) return [`the TLS certificate in PAYGATE_TLS_CERT expired on ${leaf.validTo}: clients will refuse it; replace the file (it reloads without a restart)`];
  if (daysLeft < 14) return [`the TLS certificate in PAYGATE_TLS_CERT expires in ${daysLeft} days (${leaf.validTo}); replace the file (it reloads without a restart)`];
  return [];
}

/**
 * Opens and migrates the database. A database that cannot be used at start (wrong URL, server
 * down, unknown database, unwritable data dir) is a configuration problem: one line naming
 * the setting, without its password, instead of a driver's stack trace (the CLI prints a
 * ConfigError's message alone and exits non-zero).
 */
async function openDatabase(config: Readonly<Config>) {
  let dbh: ReturnType<typeof openDb> | undefined;
  try {
    dbh = openDb({ ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}), dataDir: config.PAYGATE_DATA_DIR, poolSize: config.PAYGATE_DB_POOL_SIZE });
    await migrate(dbh.db);
    return dbh;
  } catch (err) {
    await dbh?.destroy().catch(() => undefined);
    const e = err as { message?: string; code?: string };
    const why = `${e.message ?? String(err)}${e.code && !(e.message ?? '').includes(e.code) ? ` (${e.code})` : ''}`.split('\n')[0];
    throw new ConfigError(config.DATABASE_URL
      ? `cannot use the database at DATABASE_URL=${redactUrl(config.DATABASE_URL)}: ${why}; check the URL (postgres://user:password@host:5432/database), that PostgreSQL is running and the database exists`
      : `cannot use the SQLite database in PAYGATE_DATA_DIR=${config.PAYGATE_DATA_DIR}: ${why}; check that the directory is writable`, { cause: err });
  }
}

/** The URL without its password; an unparseable one is not echoed at all (it may hold one). */
function redactUrl(url: string): string {
  const u = URL.parse(url);
  if (!u) return '(not a valid URL)';
  if (u.password) u.password = '***';
  return u.toString();
}
