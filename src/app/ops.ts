/**
 * What the operations endpoints (/readyz, /metrics), the error mapping and `paygate migrate`
 * need of the database, so that http and cli never reach into infra/db themselves.
 */
import type { Config } from '../infra/config.js';
import { isConnectionError, migrate, openDb, pendingMigrations, ping } from '../infra/db/index.js';
import { countDue } from '../infra/jobs/queue.js';
import type { AppContext } from './context.js';

export type Readiness =
  | { ready: true; status: 'ready' | 'degraded'; redis?: string }
  | { ready: false; status: 'migrations_pending'; pending: number }
  | { ready: false; status: 'database_unreachable' };

export async function readiness(ctx: AppContext): Promise<Readiness> {
  try {
    await ping(ctx.db);
    const pending = await pendingMigrations(ctx.db);
    if (pending > 0) return { ready: false, status: 'migrations_pending', pending };
  } catch {
    return { ready: false, status: 'database_unreachable' };
  }
  // Without Redis a node still serves (rate limits per node), so it stays in the load balancer.
  if (ctx.redis) return { ready: true, status: ctx.redis.state === 'up' ? 'ready' : 'degraded', redis: ctx.redis.state };
  return { ready: true, status: 'ready' };
}

/** Jobs due now (the queue-depth gauge); -1 when the database cannot say. */
export async function dueJobCount(ctx: AppContext): Promise<number> {
  return countDue(ctx.db, ctx.now()).catch(() => -1);
}

/** True for an error that means "the database is unreachable right now" (answered 503, not 500). */
export const isDatabaseUnreachable = (err: unknown): boolean => isConnectionError(err);

/** `paygate migrate`: applies the pending migrations to the configured database; returns their names. */
export async function migrateDatabase(config: Readonly<Config>): Promise<string[]> {
  const h = openDb({ ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}), dataDir: config.PAYGATE_DATA_DIR });
  try {
    return await migrate(h.db);
  } finally {
    await h.destroy();
  }
}
