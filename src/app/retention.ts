/**
 * Retention per deployment (countries differ on what may be kept, and for how long).
 *
 * - Stored provider notifications keep their masked raw body for
 *   PAYGATE_NOTIFICATION_RETENTION_DAYS; then the body is blanked and `purged_at` set. The
 *   row itself — ids, payment, verdict, error code, time — stays, because the books and
 *   "why was this refused" need it, not the payload.
 * - Idempotency-Key rows, with the answers they replay, are deleted
 *   PAYGATE_IDEMPOTENCY_RETENTION_HOURS after the request (never later than the key's own
 *   24 h lifetime). A retry after that runs again, which is safe: every create is also unique
 *   per merchant_order_id, and every provider call carries its own idempotency key.
 *
 * Both run as recurring jobs, in bounded batches so a first run over a large backlog never
 * holds one long transaction.
 */
import type { JobOutcome } from '../infra/jobs/worker.js';
import type { AppContext } from './context.js';
import { blankNotifications, deleteIdentifiers, keptNotificationsBefore } from '../infra/db/repos/notifications.js';
import { purgeKeys } from '../infra/db/repos/idempotency.js';

const BATCH = 1000;
const MAX_BATCHES_PER_RUN = 20;
const HOUR_MS = 3600_000;

export interface PurgeReport { purged: number; more: boolean }

export async function purgeNotifications(ctx: AppContext): Promise<PurgeReport> {
  const now = ctx.now();
  const cutoff = now - ctx.config.PAYGATE_NOTIFICATION_RETENTION_DAYS * 24 * HOUR_MS;
  let purged = 0;
  for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
    const ids = await keptNotificationsBefore(ctx.db, cutoff, BATCH);
    if (ids.length === 0) return { purged, more: false };
    await ctx.db.transaction().execute(async (trx) => {
      await blankNotifications(trx, ids, now);
      // An identifier that led to no payment only pointed at this body; with the body gone it points at nothing.
      await deleteIdentifiers(trx, { sourceIds: ids, unlinkedOnly: true });
    });
    purged += ids.length;
    if (ids.length < BATCH) return { purged, more: false };
  }
  return { purged, more: true };
}

export async function purgeIdempotency(ctx: AppContext): Promise<number> {
  const now = ctx.now();
  return purgeKeys(ctx.db, now, now - ctx.config.PAYGATE_IDEMPOTENCY_RETENTION_HOURS * HOUR_MS);
}

/** Job handlers: hourly, or again in a second while a backlog remains. */
export async function purgeNotificationsJob(ctx: AppContext): Promise<JobOutcome> {
  const r = await purgeNotifications(ctx);
  if (r.purged > 0) ctx.log.info({ purged: r.purged }, 'notification bodies past retention removed');
  return { done: false, runAt: ctx.now() + (r.more ? 1000 : HOUR_MS) };
}

export async function purgeIdempotencyJob(ctx: AppContext): Promise<JobOutcome> {
  await purgeIdempotency(ctx);
  // Hourly is fine-grained enough for a retention counted in hours.
  return { done: false, runAt: ctx.now() + Math.min(HOUR_MS, ctx.config.PAYGATE_IDEMPOTENCY_RETENTION_HOURS * HOUR_MS / 4) };
}
