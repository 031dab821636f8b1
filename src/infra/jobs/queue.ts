/**
 * A durable job queue in the jobs table. Jobs are claimed with a lease: a worker that dies
 * mid-job leaves a lease that expires, and another worker (or the restarted one) picks the
 * job up again. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several nodes claim without
 * blocking each other; SQLite has one writer, so a plain UPDATE ... RETURNING is atomic.
 * (kind, ref_id) is unique: there is at most one pending job per thing to do.
 *
 * A job that gave up is kept as a dead letter: dead_at and last_error set, and run_at parked
 * at the end of time, so every due-scan (claim, queue depth, the oldest-due gauge) passes
 * over it through the run_at index without reading it. Only revive() (an operator's retry)
 * or an enqueue with onExisting 'replace' brings it back.
 */
import { sql } from 'kysely';
import type { z } from 'zod';
import { newId } from '../../domain/ids.js';
import type { DbHandle, DbOrTx } from '../db/index.js';
import type { JobRow } from '../db/schema.js';

export const JOB_KINDS = ['deliver_webhook', 'poll_attempt', 'expire_payment', 'sync_refund', 'purge_idempotency', 'purge_notifications', 'reconcile_daily'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** run_at of a dead job: later than any real time, still exact in a double and a bigint. */
export const PARKED_RUN_AT = Number.MAX_SAFE_INTEGER;
const MAX_ERROR_CHARS = 1000;
const clip = (s: string) => (s.length > MAX_ERROR_CHARS ? `${s.slice(0, MAX_ERROR_CHARS)}…` : s);

export interface EnqueueInput {
  kind: JobKind;
  refId: string;
  runAt: number;
  payload?: Record<string, unknown>;
  /**
   * keep: an existing job for the same (kind, ref) stays as it is (a dead one stays dead);
   * replace: it starts afresh — new time and payload, its run count from zero, out of the dead letters.
   */
  onExisting?: 'keep' | 'replace';
}

export async function enqueue(db: DbOrTx, input: EnqueueInput, now: number): Promise<void> {
  const job = { ...input, runAt: Math.ceil(input.runAt) };
  const payload = JSON.stringify(job.payload ?? {});
  await db
    .insertInto('jobs')
    .values({ id: newId('job', now), kind: job.kind, ref_id: job.refId, run_at: job.runAt, attempts: 0, payload, locked_by: null, locked_until: null, created_at: now })
    .onConflict((oc) =>
      job.onExisting === 'replace'
        ? oc.columns(['kind', 'ref_id']).doUpdateSet({ run_at: job.runAt, payload, locked_by: null, locked_until: null, attempts: 0, dead_at: null })
        : oc.columns(['kind', 'ref_id']).doNothing(),
    )
    .execute();
}

export async function claim(h: DbHandle, worker: string, limit: number, leaseMs: number, now: number): Promise<JobRow[]> {
  const due = h.db
    .selectFrom('jobs')
    .select('id')
    .where('run_at', '<=', now)
    .where('dead_at', 'is', null)
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

/**
 * The pending jobs of these kinds for these things are no longer needed (the payment is
 * final, the refund settled). A job a worker holds right now is left to it: its lease says
 * it is running, and the worker finishes or reschedules it itself.
 */
export async function cancel(db: DbOrTx, kinds: JobKind | readonly JobKind[], refIds: string | readonly string[]): Promise<void> {
  const kindList = typeof kinds === 'string' ? [kinds] : kinds;
  const refList = typeof refIds === 'string' ? [refIds] : refIds;
  let q = db.deleteFrom('jobs').where('locked_by', 'is', null);
  q = kindList.length === 1 ? q.where('kind', '=', kindList[0]!) : q.where('kind', 'in', kindList);
  q = refList.length === 1 ? q.where('ref_id', '=', refList[0]!) : q.where('ref_id', 'in', refList);
  await q.execute();
}

/** Finishing is conditional on still holding the lease: a job reclaimed by another worker is theirs. */
export async function complete(db: DbOrTx, job: JobRow, worker: string): Promise<void> {
  await db.deleteFrom('jobs').where('id', '=', job.id).where('locked_by', '=', worker).execute();
}

export interface RescheduleOptions {
  payload?: Record<string, unknown> | undefined;
  /** Why this run did not finish; kept for the dead-letter listing. */
  error?: string | undefined;
  /** A recurring job that ran normally: its run count starts again (the bound is on failures in a row). */
  restartCount?: boolean;
}

export async function reschedule(db: DbOrTx, job: JobRow, worker: string, runAt: number, opts: RescheduleOptions = {}): Promise<void> {
  await db
    .updateTable('jobs')
    .set({
      // Whole milliseconds: a small time scale makes fractions, which a bigint column refuses.
      run_at: Math.ceil(runAt), locked_by: null, locked_until: null,
      ...(opts.payload ? { payload: JSON.stringify(opts.payload) } : {}),
      ...(opts.error !== undefined ? { last_error: clip(opts.error) } : {}),
      ...(opts.restartCount ? { attempts: 0 } : {}),
    })
    .where('id', '=', job.id)
    .where('locked_by', '=', worker)
    .execute();
}

/** The job gives up: kept as a dead letter, never claimed again. False if the lease was lost meanwhile. */
export async function bury(db: DbOrTx, job: JobRow, worker: string, error: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('jobs')
    .set({ dead_at: now, last_error: clip(error), run_at: PARKED_RUN_AT, locked_by: null, locked_until: null })
    .where('id', '=', job.id)
    .where('locked_by', '=', worker)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * A job's payload read with `schema`; undefined when it is not JSON or not of that shape
 * (the handler then starts its schedule from the beginning rather than failing for ever).
 */
export function jobPayload<S extends z.ZodType>(job: Pick<JobRow, 'payload'>, schema: S): z.output<S> | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(job.payload);
  } catch {
    return undefined;
  }
  const r = schema.safeParse(doc);
  return r.success ? r.data : undefined;
}

export async function countDue(db: DbOrTx, now: number): Promise<number> {
  const row = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('run_at', '<=', now).where('dead_at', 'is', null).executeTakeFirst();
  return Number(row?.n ?? 0);
}
