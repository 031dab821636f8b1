/**
 * reconciliation_runs and reconciliation_matches: one run per provider account and bill day
 * (unique), executed again on request; the matches an execution writes are scratch until the
 * execution commits, so a failed or crashed execution leaves the last good result in place.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import { DIFFERENCE_CLASSES, RUN_STATUSES, RUN_TRIGGERS, type DifferenceCounts, type RunStatus, type RunTrigger } from '../../../domain/reconciliation.js';
import { executeCompiled } from '../compiled.js';
import type { DbOrTx } from '../index.js';
import type { ReconciliationMatchRow, ReconciliationRunRow } from '../schema.js';
import { jsonColumn, statusColumn } from './columns.js';

export type ReconciliationRun = Omit<ReconciliationRunRow, 'status' | 'trigger' | 'differences'> & {
  status: RunStatus; trigger: RunTrigger; differences: DifferenceCounts;
};

const runStatus = statusColumn('reconciliation_runs', RUN_STATUSES);
const runTrigger = statusColumn('reconciliation_runs.trigger', RUN_TRIGGERS);
const countsColumn = jsonColumn('reconciliation_runs.differences', z.partialRecord(z.enum(DIFFERENCE_CLASSES), z.number().int().nonnegative()));
const toRun = (row: ReconciliationRunRow): ReconciliationRun => ({
  ...row, status: runStatus(row.status), trigger: runTrigger(row.trigger), differences: countsColumn(row.differences),
  // bigint columns come back as strings from pg.
  rows_read: Number(row.rows_read), rows_matched: Number(row.rows_matched),
  started_at: Number(row.started_at), created_at: Number(row.created_at),
  finished_at: row.finished_at === null ? null : Number(row.finished_at), heartbeat_at: row.heartbeat_at === null ? null : Number(row.heartbeat_at),
});

export async function runById(db: DbOrTx, id: string): Promise<ReconciliationRun | undefined> {
  const row = await db.selectFrom('reconciliation_runs').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toRun(row) : undefined;
}

export async function runOf(db: DbOrTx, accountId: string, day: string): Promise<ReconciliationRun | undefined> {
  const row = await db.selectFrom('reconciliation_runs').selectAll().where('provider_account_id', '=', accountId).where('day', '=', day).executeTakeFirst();
  return row ? toRun(row) : undefined;
}

export interface RunFilter { provider?: string; accountId?: string; day?: string; status?: RunStatus; limit: number; startingAfter?: string }

/** Newest first, keyset-paged by id (ids sort by creation). */
export async function listRuns(db: DbOrTx, f: RunFilter): Promise<ReconciliationRun[]> {
  let q = db.selectFrom('reconciliation_runs').selectAll();
  if (f.provider) q = q.where('provider', '=', f.provider);
  if (f.accountId) q = q.where('provider_account_id', '=', f.accountId);
  if (f.day) q = q.where('day', '=', f.day);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.startingAfter) q = q.where('id', '<', f.startingAfter);
  return (await q.orderBy('id', 'desc').limit(f.limit).execute()).map(toRun);
}

export interface RunClaim {
  id: string; merchantId: string; provider: string; accountId: string; day: string; trigger: RunTrigger; node: string; now: number;
  /** A running execution whose heartbeat is older than this is taken to have crashed. */
  staleBefore: number;
}

/**
 * Starts an execution of the account's run for the day: creates the run, or takes it over
 * when it is not running (or its runner stopped beating). Answers undefined when another
 * execution is live. The compare-and-set on (status, heartbeat) lets only one node win.
 */
export async function claimRun(db: DbOrTx, c: RunClaim): Promise<ReconciliationRun | undefined> {
  await db.insertInto('reconciliation_runs').values({
    id: c.id, merchant_id: c.merchantId, provider: c.provider, provider_account_id: c.accountId, day: c.day, status: 'failed', trigger: c.trigger,
    execution: 0, committed_execution: null, rows_read: 0, rows_matched: 0, differences: '{}', error_code: null, error_message: null,
    node: null, heartbeat_at: null, started_at: c.now, finished_at: null, created_at: c.now,
  }).onConflict((oc) => oc.columns(['provider_account_id', 'day']).doNothing()).execute();
  const updated = await db.updateTable('reconciliation_runs')
    .set({ status: 'running', trigger: c.trigger, execution: sql<number>`execution + 1`, node: c.node, heartbeat_at: c.now, started_at: c.now, finished_at: null, error_code: null, error_message: null, rows_read: 0, rows_matched: 0 })
    .where('provider_account_id', '=', c.accountId).where('day', '=', c.day)
    .where((eb) => eb.or([eb('status', '!=', 'running'), eb('heartbeat_at', '<', c.staleBefore)]))
    .returningAll().executeTakeFirst();
  return updated ? toRun(updated) : undefined;
}

export async function beat(db: DbOrTx, id: string, execution: number, rowsRead: number, rowsMatched: number, now: number): Promise<void> {
  await db.updateTable('reconciliation_runs').set({ heartbeat_at: now, rows_read: rowsRead, rows_matched: rowsMatched })
    .where('id', '=', id).where('execution', '=', execution).where('status', '=', 'running').execute();
}

/** A failed execution: its scratch matches go, the last committed result stays. */
export async function failRun(db: DbOrTx, id: string, execution: number, code: string, message: string, now: number, committed = false): Promise<void> {
  // A failure after the commit (during repairs) keeps what was committed.
  if (!committed) await db.deleteFrom('reconciliation_matches').where('run_id', '=', id).where('execution', '=', execution).execute();
  await db.updateTable('reconciliation_runs').set({ status: 'failed', error_code: code, error_message: message.slice(0, 2000), finished_at: now, heartbeat_at: null })
    .where('id', '=', id).where('execution', '=', execution).execute();
}

const MATCH_COLUMNS = ['run_id', 'execution', 'attempt_id', 'payment_id', 'fee', 'net'] as const;
const placeholderMatch: ReconciliationMatchRow = { run_id: '', execution: 0, attempt_id: '', payment_id: '', fee: 0, net: 0 };

/**
 * On SQLite the table is keyed by (run, execution, attempt) (migration 0008): a bill listing a
 * trade twice keeps the first row's fee. PostgreSQL keeps both rows (the same fee, normally).
 */
export async function insertMatches(db: DbOrTx, rows: readonly ReconciliationMatchRow[], dialect: 'sqlite' | 'postgres'): Promise<void> {
  const sqlite = dialect === 'sqlite';
  // 6 parameters a row; 500 rows stay far below SQLite's and PostgreSQL's parameter limits.
  // Compiled once per row count (compiled.ts): the values go in column order, row by row.
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const build = () => db.insertInto('reconciliation_matches').values(chunk.map(() => placeholderMatch)).$if(sqlite, (q) => q.onConflict((oc) => oc.columns(['run_id', 'execution', 'attempt_id']).doNothing()));
    const params = new Array<unknown>(chunk.length * MATCH_COLUMNS.length);
    let k = 0;
    for (const r of chunk) {
      params[k++] = r.run_id; params[k++] = r.execution; params[k++] = r.attempt_id; params[k++] = r.payment_id; params[k++] = r.fee; params[k++] = r.net;
    }
    await executeCompiled(db, `insertMatches ${chunk.length}`, build, params);
  }
}

/**
 * Deletes the matched rows of the account's runs of days before `beforeDay` (retention);
 * answers how many. Never a running one's: an operator's re-run of an old day is writing them.
 */
export async function purgeMatches(db: DbOrTx, accountId: string, beforeDay: string): Promise<number> {
  const old = db.selectFrom('reconciliation_runs').select('id').where('provider_account_id', '=', accountId).where('day', '<', beforeDay).where('status', '<>', 'running');
  const r = await db.deleteFrom('reconciliation_matches').where('run_id', 'in', old).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * Commits an execution: older matches go, fees and net reach the payments, the counts are the
 * run's. The run stays running (its repairs follow); finishRun ends it.
 */
export async function commitRun(db: DbOrTx, run: ReconciliationRun, counts: DifferenceCounts, rowsRead: number, rowsMatched: number, now: number): Promise<void> {
  await db.deleteFrom('reconciliation_matches').where('run_id', '=', run.id).where('execution', '!=', run.execution).execute();
  // Only rows whose fee changed: a re-run of a day rewrites nothing (on PostgreSQL every
  // updated row is a new row version, and a million of them were most of a first run).
  await sql`UPDATE payments SET fee = m.fee, net = m.net FROM reconciliation_matches m
    WHERE m.run_id = ${run.id} AND m.execution = ${run.execution} AND m.fee IS NOT NULL AND m.payment_id = payments.id
      AND (payments.fee IS NULL OR payments.fee <> m.fee OR payments.net IS NULL OR payments.net <> m.net)`.execute(db);
  await db.updateTable('reconciliation_runs').set({
    committed_execution: run.execution, differences: JSON.stringify(counts), rows_read: rowsRead, rows_matched: rowsMatched, heartbeat_at: now,
  }).where('id', '=', run.id).where('execution', '=', run.execution).execute();
}

/** The committed execution's repairs are done too: the run is finished. */
export async function finishRun(db: DbOrTx, id: string, execution: number, now: number): Promise<void> {
  await db.updateTable('reconciliation_runs').set({ status: 'succeeded', finished_at: now, heartbeat_at: null }).where('id', '=', id).where('execution', '=', execution).execute();
}

export async function isMatched(db: DbOrTx, runId: string, execution: number, attemptId: string): Promise<boolean> {
  const row = await db.selectFrom('reconciliation_matches').select('attempt_id').where('run_id', '=', runId).where('execution', '=', execution).where('attempt_id', '=', attemptId).executeTakeFirst();
  return row !== undefined;
}

export interface UnmatchedSuccess { attempt_id: string; payment_id: string; provider_reference: string; provider_transaction_id: string | null; succeeded_at: number; amount: number; currency: string }

/**
 * Attempts of the account that succeeded in [from, to) and that no given execution matched
 * (this one, and the day before's committed one: a success booked on the provider's previous
 * day). Keyset-paged by attempt id.
 */
export async function unmatchedSuccesses(
  db: DbOrTx, accountId: string, from: number, to: number, matched: ReadonlyArray<{ runId: string; execution: number }>, afterId: string, limit: number,
): Promise<UnmatchedSuccess[]> {
  let q = db.selectFrom('attempts as a').innerJoin('payments as p', 'p.id', 'a.payment_id')
    .select(['a.id as attempt_id', 'a.payment_id', 'a.provider_reference', 'a.provider_transaction_id', 'a.succeeded_at', 'p.amount', 'p.currency'])
    .where('a.provider_account_id', '=', accountId).where('a.status', '=', 'succeeded')
    .where('a.succeeded_at', '>=', from).where('a.succeeded_at', '<', to).where('a.id', '>', afterId);
  for (const m of matched) {
    q = q.where(({ not, exists, selectFrom }) => not(exists(selectFrom('reconciliation_matches as m').select('m.attempt_id')
      .where('m.run_id', '=', m.runId).where('m.execution', '=', m.execution).whereRef('m.attempt_id', '=', 'a.id'))));
  }
  const rows = await q.orderBy('a.id').limit(limit).execute();
  return rows.map((r) => ({ ...r, succeeded_at: Number(r.succeeded_at), amount: Number(r.amount) }));
}
