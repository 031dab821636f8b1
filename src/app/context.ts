/**
 * The ports the use cases run against. Built once by the composition root (src/runtime.ts);
 * tests build their own with a fresh database. What a node keeps between requests (provider
 * policies, tokens, credentials; coalesced per-payment work) are the NodeServices (services.ts),
 * built there too, so no use case keeps state of its own.
 */
import type { Config } from '../infra/config.js';
import type { Db, DbHandle } from '../infra/db/index.js';
import type { Vault } from '../infra/crypto/vault.js';
import type { Transport } from '../infra/http/transport.js';
import type { Metrics } from '../infra/metrics.js';
import type { StatusBus } from '../infra/events/bus.js';
import type { ConfigCache } from './config-cache.js';
import type { WindowCounter } from '../infra/ratelimit/window.js';
import type { RedisState } from '../infra/redis/client.js';
import type { NodeServices } from './services.js';
import type { AppLogger } from './logger.js';
import type { VelocityStore } from '../infra/risk/velocity.js';

export interface AppContext extends NodeServices {
  readonly config: Readonly<Config>;
  readonly dbh: DbHandle;
  readonly db: Db;
  readonly vault: Vault;
  readonly transport: Transport;
  readonly metrics: Metrics;
  /** The app layer's logger (app/logger.ts); pino's, in runtime.ts. */
  readonly log: AppLogger;
  /** Known after listen (PORT=0 in tests), hence a function. */
  publicUrl(): string;
  /** The one clock of the app layer: every timestamp, deadline and window is read from it. */
  now(): number;
  /** Multiplies every scheduled delay (polls, retries); 1 in production, small in tests. */
  readonly timeScale: number;
  /** Wake the job worker: work due now was just committed. */
  kickJobs(): void;
  /** Live payment status for the cashier's SSE; published only after the change has committed. */
  readonly statusBus?: StatusBus;
  /** Short-lived cache of API keys, provider accounts and routing rules (see config-cache.ts). */
  readonly configCache: ConfigCache;
  /** Per-API-key request windows: in memory, or shared by every node through Redis (see app/rate-limit.ts). */
  readonly rateWindows: WindowCounter;
  /** Risk velocity counters: in memory (embedded), or shared by every node through Redis (infra/risk/velocity*.ts). */
  readonly velocity: VelocityStore;
  /** Production mode only (REDIS_URL): the Redis connection's state, for /readyz. */
  readonly redis?: { readonly state: RedisState };
}
