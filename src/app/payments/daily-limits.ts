/**
 * A provider account's optional daily limit: each attempt reserves the payment's amount
 * against the account's total for the UTC day it was created, and a failed or refused
 * attempt gives it back. No read-then-write: the counters are moved by conditional UPDATEs.
 */
import type { DbOrTx } from '../../infra/db/index.js';

/** The UTC day a reservation made at `ms` counts against. */
export function usageDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Reserves `amount` of the account's daily limit, or returns false when it would exceed it.
 * Race-free on both dialects without reading first: the row exists (insert-or-nothing), and
 * the add is one conditional UPDATE. On PostgreSQL concurrent UPDATEs of the row queue on its
 * lock and each re-checks the condition against the committed total; SQLite has one writer.
 */
export async function reserveDailyUsage(db: DbOrTx, accountId: string, limit: number, amount: number, at: number): Promise<boolean> {
  const day = usageDay(at);
  await db.insertInto('account_daily_usage').values({ provider_account_id: accountId, day, amount: 0, count: 0 })
    .onConflict((oc) => oc.columns(['provider_account_id', 'day']).doNothing()).execute();
  const r = await db.updateTable('account_daily_usage')
    .set((eb) => ({ amount: eb('amount', '+', amount), count: eb('count', '+', 1) }))
    .where('provider_account_id', '=', accountId).where('day', '=', day)
    .where((eb) => eb(eb('amount', '+', amount), '<=', limit))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Gives back a reservation made at `at` (same UTC day as the attempt's creation). */
export async function releaseDailyUsage(db: DbOrTx, accountId: string, amount: number, at: number): Promise<void> {
  await db.updateTable('account_daily_usage')
    .set((eb) => ({ amount: eb('amount', '-', amount), count: eb('count', '-', 1) }))
    .where('provider_account_id', '=', accountId).where('day', '=', usageDay(at))
    .where('amount', '>=', amount).where('count', '>=', 1)
    .execute();
}
