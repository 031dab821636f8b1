/**
 * A provider account's optional daily limit: each attempt reserves the payment's amount
 * against the account's total for the UTC day it was created, and a failed or refused
 * attempt gives it back. No read-then-write: the counters are moved by conditional UPDATEs
 * (infra/db/repos/routing.ts).
 */
import type { DbOrTx } from '../../infra/db/index.js';
import { releaseUsage, reserveUsage } from '../../infra/db/repos/routing.js';

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
export function reserveDailyUsage(db: DbOrTx, accountId: string, limit: number, amount: number, at: number): Promise<boolean> {
  return reserveUsage(db, accountId, usageDay(at), limit, amount);
}

/** Gives back a reservation made at `at` (same UTC day as the attempt's creation). */
export function releaseDailyUsage(db: DbOrTx, accountId: string, amount: number, at: number): Promise<void> {
  return releaseUsage(db, accountId, usageDay(at), amount);
}
