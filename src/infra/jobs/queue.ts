/**
 * A durable job queue in the jobs table. Jobs are claimed with a lease: a worker that dies
 * mid-job leaves a lease that expires, and another worker (or the restarted one) picks the
 * job up again. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several nodes claim without
 * blocking each other; SQLite has one writer, so a plain UPDATE ... RETURNING is atomic.
 * (kind, ref_id) is unique: there is at most one pending job per thing to do.
 */
import { sql } from 'kysely';
import { newId } from '../../domain/ids.js';
import type { DbHandle, DbOrTx } from '../db/index.js';
import type { JobRow } from '../db/schema.js';

export type JobKind = 'deliver_webhook' | 'poll_attempt' | 'expire_payment' | 'sync_refund' | 'purge_idempotency' | 'purge_notifications';

export interface EnqueueInput {
  kind: JobKind;
  refId: string;
  runAt: number;
  payload?: Record<string, unknown>;
  /** keep: an existing job for the same (kind, ref) stays as it is; replace: it is rescheduled. */
  onExisting?: 'keep' | 'replace';
}

export async function enqueue(db: DbOrTx, job: EnqueueInput, now: number): Promise<void> {
  const payload = JSON.stringify(job.payload ?? {});
  await db
    .insertInto('jobs')
    .values({ id: newId('job', now), kind: job.kind, ref_id: job.refId, run_at: job.runAt, attempts: 0, payload, locked_by: null, locked_until: null, created_at: now })
    .onConflict((oc) =>
      job.onExisting === 'replace'
        ? oc.columns(['kind', 'ref_id']).doUpdateSet({ run_at: job.runAt, payload, locked_by: null, locked_until: null })
        : oc.columns(['kind', 'ref_id']).doNothing(),
    )
    .execute();
}

export async function claim(h: DbHandle, worker: string, limit: number, leaseMs: number, now: number): Promise<JobRow[]> {
  const due = h.db
    .selectFrom('jobs')
    .select('id')
    .where('run_at', '<=', now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
    .orderBy('run_at')
    .limit(limit);
  const dueLocked = h.supportsRowLocks ? due.forUpdate().skipLocked() : due;
  return h.db
    .updateTable('jobs')
    .set({ locked_by: worker, locked_until: now + leaseMs, attempts: sql<number>`attempts + 1` })
    .where('id', 'in', dueLocked)
    .returningAll()
    .execute();
}

/** Finishing is conditional on still holding the lease: a job reclaimed by another worker is theirs. */
export async function complete(db: DbOrTx, job: JobRow, worker: string): Promise<void> {
  await db.deleteFrom('jobs').where('id', '=', job.id).where('locked_by', '=', worker).execute();
}

export async function reschedule(db: DbOrTx, job: JobRow, worker: string, runAt: number, payload?: Record<string, unknown>): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ run_at: runAt, locked_by: null, locked_until: null, ...(payload ? { payload: JSON.stringify(payload) } : {}) })
    .where('id', '=', job.id)
    .where('locked_by', '=', worker)
    .execute();
}

export async function countDue(db: DbOrTx, now: number): Promise<number> {
  const row = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('run_at', '<=', now).executeTakeFirst();
  return Number(row?.n ?? 0);
}
