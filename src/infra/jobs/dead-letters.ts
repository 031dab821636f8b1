/**
 * The operator's side of the jobs table: list jobs (dead letters or those still scheduled),
 * revive a dead one, count the dead per kind for /metrics. Dead rows are found through the
 * jobs_dead_at index (migration 0005).
 */
import type { DbOrTx } from '../db/index.js';
import type { JobRow } from '../db/schema.js';
import { JOB_KINDS, type JobKind } from './queue.js';

export type JobState = 'dead' | 'pending';

export interface JobListQuery {
  state: JobState;
  kind?: string | undefined;
  limit: number;
  starting_after?: string | undefined;
}

/** Newest first by id (ids sort by creation time), like every list of the API. */
export async function listJobs(db: DbOrTx, q: JobListQuery): Promise<{ rows: JobRow[]; hasMore: boolean }> {
  let query = db.selectFrom('jobs').selectAll().where('dead_at', q.state === 'dead' ? 'is not' : 'is', null);
  if (q.kind) query = query.where('kind', '=', q.kind);
  if (q.starting_after) query = query.where('id', '<', q.starting_after);
  const rows = await query.orderBy('id', 'desc').limit(q.limit + 1).execute();
  return { rows: rows.slice(0, q.limit), hasMore: rows.length > q.limit };
}

export async function getJob(db: DbOrTx, id: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Bring a dead job back, due now, with a fresh schedule: run count zero, payload reset (each
 * handler starts from its first step). last_error stays until a run writes a newer one, so
 * the listing still says what went wrong. Undefined when the job is not dead (or gone).
 */
export async function revive(db: DbOrTx, id: string, now: number): Promise<JobRow | undefined> {
  return db
    .updateTable('jobs')
    .set({ dead_at: null, run_at: now, attempts: 0, payload: '{}', locked_by: null, locked_until: null })
    .where('id', '=', id)
    .where('dead_at', 'is not', null)
    .returningAll()
    .executeTakeFirst();
}

/** Dead jobs per kind, every known kind present (0 when none), for the paygate_jobs_dead gauge. */
export async function countDeadByKind(db: DbOrTx): Promise<Record<string, number>> {
  const rows = await db.selectFrom('jobs').select(['kind', (eb) => eb.fn.countAll<number | string>().as('n')]).where('dead_at', 'is not', null).groupBy('kind').execute();
  const out: Record<string, number> = Object.fromEntries(JOB_KINDS.map((k: JobKind) => [k, 0]));
  for (const r of rows) out[r.kind] = Number(r.n);
  return out;
}
