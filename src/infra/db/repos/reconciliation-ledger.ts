/**
 * The ledger side of a bill: attempts and refunds of one provider account looked up in
 * batches by the ids a bill carries (Paygate's references and the provider's own ids).
 */
import { sql } from 'kysely';
import { compiledOnce } from '../compiled.js';
import type { DbHandle, DbOrTx } from '../index.js';

export interface LedgerAttempt {
  attempt_id: string; payment_id: string; provider_reference: string; provider_transaction_id: string | null;
  attempt_status: string; payment_status: string; amount: number; currency: string;
}

const attemptColumns = ['a.id as attempt_id', 'a.payment_id', 'a.provider_reference', 'a.provider_transaction_id', 'a.status as attempt_status', 'p.status as payment_status', 'p.amount', 'p.currency'] as const;

type LookupColumn = 'a.provider_reference' | 'a.provider_transaction_id';

/**
 * The same on SQLite: compiled once per list length (a bill's batches are all one length) and
 * read as arrays (sqliteRawAll), each made the row object here.
 */
async function attemptsIn(dbh: DbHandle, accountId: string, column: LookupColumn, values: readonly string[]) {
  const { db } = dbh;
  const build = () => db.selectFrom('attempts as a').innerJoin('payments as p', 'p.id', 'a.payment_id').select(attemptColumns)
    .where('a.provider_account_id', '=', '').where(column, 'in', values.map(() => ''));
  const compiled = compiledOnce(db, `attemptsForBill ${column} ${values.length}`, build, values.length + 1);
  const rows = await dbh.sqliteRawAll!(db, compiled.sql, [accountId, ...values]);
  return rows.map((r) => ({
    attempt_id: r[0] as string, payment_id: r[1] as string, provider_reference: r[2] as string, provider_transaction_id: r[3] as string | null,
    attempt_status: r[4] as string, payment_status: r[5] as string, amount: r[6] as number, currency: r[7] as string,
  }));
}

/**
 * The same on PostgreSQL, joined to the values as an array. Given a 1,000-value IN list the
 * planner costs 1,000 index probes above one scan of the account's attempts and scans them —
 * in parallel, per batch (55 ms against 3 ms at 200,000 attempts, worse as the ledger grows).
 * unnest() is estimated at a few rows, so each value becomes one probe of the unique index.
 */
async function attemptsUnnest({ db }: DbHandle, accountId: string, column: LookupColumn, values: readonly string[]) {
  const rows = await sql<Omit<LedgerAttempt, 'amount'> & { amount: number | string }>`
    SELECT a.id AS attempt_id, a.payment_id, a.provider_reference, a.provider_transaction_id, a.status AS attempt_status,
           p.status AS payment_status, p.amount, p.currency
      FROM unnest(${values}::text[]) AS v(value)
      JOIN attempts a ON a.provider_account_id = ${accountId} AND ${sql.ref(column)} = v.value
      JOIN payments p ON p.id = a.payment_id`.execute(db);
  return rows.rows;
}

/** Attempts of the account whose reference or provider transaction id is in the lists. */
export async function attemptsForBill(dbh: DbHandle, accountId: string, references: readonly string[], transactionIds: readonly string[]): Promise<LedgerAttempt[]> {
  const lookup = dbh.sqliteRawAll === undefined ? attemptsUnnest : attemptsIn;
  const out: Array<Omit<LedgerAttempt, 'amount'> & { amount: number | string }> = [];
  // Two index lookups (account + reference, account + transaction id) rather than one OR that defeats both indexes.
  if (references.length > 0) out.push(...(await lookup(dbh, accountId, 'a.provider_reference', references)));
  if (transactionIds.length > 0) out.push(...(await lookup(dbh, accountId, 'a.provider_transaction_id', transactionIds)));
  // In place: a row per bill row, rebuilt as a copy it was a measurable share of a run.
  for (const r of out) r.amount = Number(r.amount);
  return out as LedgerAttempt[];
}

export interface LedgerRefund {
  refund_id: string; payment_id: string; attempt_id: string; provider_reference: string; provider_refund_id: string | null;
  status: string; amount: number; currency: string; updated_at: number;
}

const refundColumns = ['r.id as refund_id', 'r.payment_id', 'r.attempt_id', 'r.provider_reference', 'r.provider_refund_id', 'r.status', 'r.amount', 'r.currency', 'r.updated_at'] as const;
const toRefund = (r: LedgerRefund): LedgerRefund => ({ ...r, amount: Number(r.amount), updated_at: Number(r.updated_at) });

/** Refunds on the account's attempts whose reference or provider refund id is in the lists. */
export async function refundsForBill(db: DbOrTx, accountId: string, references: readonly string[], providerIds: readonly string[]): Promise<LedgerRefund[]> {
  const base = () => db.selectFrom('refunds as r').innerJoin('attempts as a', 'a.id', 'r.attempt_id').select(refundColumns).where('a.provider_account_id', '=', accountId);
  const out: LedgerRefund[] = [];
  if (references.length > 0) out.push(...(await base().where('r.provider_reference', 'in', references).execute()));
  if (providerIds.length > 0) out.push(...(await base().where('r.provider_refund_id', 'in', providerIds).execute()));
  return out.map(toRefund);
}

/** Refunds on the account that Paygate last saw succeed in [from, to): the bill of that day should list them. */
export async function refundsSucceededBetween(db: DbOrTx, accountId: string, from: number, to: number, limit: number): Promise<LedgerRefund[]> {
  const rows = await db.selectFrom('refunds as r').innerJoin('attempts as a', 'a.id', 'r.attempt_id').select(refundColumns)
    .where('a.provider_account_id', '=', accountId).where('r.status', '=', 'succeeded').where('r.updated_at', '>=', from).where('r.updated_at', '<', to)
    .orderBy('r.id').limit(limit).execute();
  return rows.map(toRefund);
}
