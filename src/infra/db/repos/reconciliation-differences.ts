/**
 * reconciliation_differences: what a run found, one row per (run, class, key). A re-run
 * upserts by that key, so the same bill and ledger give the same rows; a difference a later
 * execution no longer finds is marked resolved, and a repair is kept with the row.
 */
import { DIFFERENCE_CLASSES, DIFFERENCE_STATUSES, type DifferenceClass, type DifferenceStatus } from '../../../domain/reconciliation.js';
import type { DbOrTx } from '../index.js';
import type { ReconciliationDifferenceRow } from '../schema.js';
import { statusColumn } from './columns.js';

export type Difference = Omit<ReconciliationDifferenceRow, 'class' | 'status'> & { class: DifferenceClass; status: DifferenceStatus };
export type NewDifference = Omit<Difference, 'id' | 'status' | 'repair' | 'created_at' | 'updated_at' | 'run_id'>;

const differenceClass = statusColumn('reconciliation_differences.class', DIFFERENCE_CLASSES);
const differenceStatus = statusColumn('reconciliation_differences', DIFFERENCE_STATUSES);
const toDifference = (row: ReconciliationDifferenceRow): Difference => ({
  ...row, class: differenceClass(row.class), status: differenceStatus(row.status), created_at: Number(row.created_at), updated_at: Number(row.updated_at),
});

/**
 * Writes an execution's differences: new ones inserted open, known ones refreshed (their
 * status kept when repaired or reported), and the run's others — not found this time — resolved.
 * Answers the rows as stored.
 */
export async function saveDifferences(db: DbOrTx, runId: string, found: readonly NewDifference[], newId: () => string, now: number): Promise<Difference[]> {
  const existing = new Map((await db.selectFrom('reconciliation_differences').selectAll().where('run_id', '=', runId).execute()).map((r) => [`${r.class}|${r.key}`, r]));
  const seen = new Set<string>();
  for (const d of found) {
    const k = `${d.class}|${d.key}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const old = existing.get(k);
    if (old === undefined) {
      await db.insertInto('reconciliation_differences').values({ ...d, id: newId(), run_id: runId, status: 'open', repair: null, created_at: now, updated_at: now }).execute();
    } else {
      const status = old.status === 'resolved' ? 'open' : old.status;
      await db.updateTable('reconciliation_differences').set({ ...d, status, updated_at: now }).where('id', '=', old.id).execute();
    }
  }
  for (const [k, old] of existing) {
    if (!seen.has(k) && old.status === 'open') await db.updateTable('reconciliation_differences').set({ status: 'resolved', updated_at: now }).where('id', '=', old.id).execute();
  }
  return (await db.selectFrom('reconciliation_differences').selectAll().where('run_id', '=', runId).orderBy('id').execute()).map(toDifference);
}

export async function differencesOfRun(db: DbOrTx, runId: string, page: { limit: number; startingAfter?: string; class?: DifferenceClass; status?: DifferenceStatus }): Promise<Difference[]> {
  let q = db.selectFrom('reconciliation_differences').selectAll().where('run_id', '=', runId);
  if (page.class) q = q.where('class', '=', page.class);
  if (page.status) q = q.where('status', '=', page.status);
  if (page.startingAfter) q = q.where('id', '>', page.startingAfter);
  return (await q.orderBy('id').limit(page.limit).execute()).map(toDifference);
}

/** The timing differences a day's run left open: the next day's run re-checks them. */
export async function openTimingDifferences(db: DbOrTx, runId: string): Promise<Difference[]> {
  return (await db.selectFrom('reconciliation_differences').selectAll().where('run_id', '=', runId).where('class', '=', 'timing').where('status', '=', 'open').execute()).map(toDifference);
}

export async function recordRepair(db: DbOrTx, id: string, status: DifferenceStatus, repair: Record<string, unknown>, now: number): Promise<void> {
  await db.updateTable('reconciliation_differences').set({ status, repair: JSON.stringify(repair), updated_at: now }).where('id', '=', id).execute();
}

/** A class change decided later (a timing difference the next bill did not resolve). */
export async function reclassify(db: DbOrTx, id: string, cls: DifferenceClass, status: DifferenceStatus, repair: Record<string, unknown>, now: number): Promise<void> {
  await db.updateTable('reconciliation_differences').set({ class: cls, status, repair: JSON.stringify(repair), updated_at: now }).where('id', '=', id).execute();
}
