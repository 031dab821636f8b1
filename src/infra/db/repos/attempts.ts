/**
 * The attempts table. An attempt's status mirrors what its provider last said (the
 * observations of the payment state table) after starting as requires_action; rows leave
 * here with it checked. A payment's current attempt is its latest: ids sort by creation.
 */
import type { ProviderObservation } from '../../../domain/payment-state.js';
import type { DbOrTx } from '../index.js';
import type { AttemptRow } from '../schema.js';
import { statusColumn } from './columns.js';

export type AttemptStatus = 'requires_action' | ProviderObservation;
const ATTEMPT_STATUSES = ['requires_action', 'pending', 'processing', 'succeeded', 'failed', 'canceled', 'expired'] as const satisfies readonly AttemptStatus[];
// Every status listed: the line fails to compile when ProviderObservation gains one.
const listed: Exclude<AttemptStatus, (typeof ATTEMPT_STATUSES)[number]> extends never ? true : never = true;
void listed;

export type Attempt = Omit<AttemptRow, 'status'> & { status: AttemptStatus };
export type AttemptUpdate = Partial<Omit<Attempt, 'id' | 'payment_id' | 'merchant_id'>>;

const attemptStatus = statusColumn('attempts', ATTEMPT_STATUSES);
const toAttempt = (row: AttemptRow): Attempt => ({ ...row, status: attemptStatus(row.status) });
const maybe = (row: AttemptRow | undefined): Attempt | undefined => (row ? toAttempt(row) : undefined);

export async function attemptById(db: DbOrTx, id: string): Promise<Attempt | undefined> {
  return maybe(await db.selectFrom('attempts').selectAll().where('id', '=', id).executeTakeFirst());
}

/** The payment's current attempt; undefined before the first. */
export async function latestAttempt(db: DbOrTx, paymentId: string): Promise<Attempt | undefined> {
  return maybe(await db.selectFrom('attempts').selectAll().where('payment_id', '=', paymentId).orderBy('id', 'desc').executeTakeFirst());
}

/** The attempts of these payments, oldest first (a payment's last one is its current one). */
export async function attemptsOf(db: DbOrTx, paymentIds: readonly string[]): Promise<Attempt[]> {
  if (paymentIds.length === 0) return [];
  const q = db.selectFrom('attempts').selectAll();
  const rows = await (paymentIds.length === 1 ? q.where('payment_id', '=', paymentIds[0]!) : q.where('payment_id', 'in', paymentIds)).orderBy('id').execute();
  return rows.map(toAttempt);
}

/** The attempts the money was taken on, newest first: one normally, more when an abandoned order was paid after all. */
export async function paidAttempts(db: DbOrTx, paymentId: string): Promise<Attempt[]> {
  const rows = await db.selectFrom('attempts').selectAll().where('payment_id', '=', paymentId).where('status', '=', 'succeeded').orderBy('id', 'desc').execute();
  return rows.map(toAttempt);
}

/** The attempt an account knows by Paygate's reference (the provider-side order id Paygate chose). */
export async function attemptByReference(db: DbOrTx, accountId: string, reference: string): Promise<Attempt | undefined> {
  return maybe(await db.selectFrom('attempts').selectAll().where('provider_account_id', '=', accountId).where('provider_reference', '=', reference).executeTakeFirst());
}

/** The latest attempt of an account whose provider transaction id, or else provider order id, is `id`. */
export async function attemptByProviderId(db: DbOrTx, accountId: string, id: string): Promise<Attempt | undefined> {
  const inAccount = () => db.selectFrom('attempts').selectAll().where('provider_account_id', '=', accountId);
  return maybe((await inAccount().where('provider_transaction_id', '=', id).orderBy('id', 'desc').executeTakeFirst())
    ?? (await inAccount().where('provider_order_id', '=', id).orderBy('id', 'desc').executeTakeFirst()));
}

export async function insertAttempt(db: DbOrTx, row: Attempt): Promise<void> {
  await db.insertInto('attempts').values(row).execute();
}

/**
 * What must still hold for an update to be written:
 * - status: the attempt still has it; notStatus: it does not (a success is never overwritten);
 * - unanswered: no QR code or approval link was stored (the create got no answer yet).
 */
export interface AttemptGuard { status?: AttemptStatus; notStatus?: AttemptStatus; unanswered?: boolean }

/** Writes `set` when `guard` holds; true when the row was written. */
export async function updateAttempt(db: DbOrTx, id: string, set: AttemptUpdate, guard: AttemptGuard = {}): Promise<boolean> {
  let q = db.updateTable('attempts').set(set).where('id', '=', id);
  if (guard.status) q = q.where('status', '=', guard.status);
  if (guard.notStatus) q = q.where('status', '!=', guard.notStatus);
  if (guard.unanswered) q = q.where('qr_code', 'is', null).where('redirect_url', 'is', null);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The mode ('sandbox' | 'live' as stored) of the account this merchant's payment's latest attempt went to. */
export async function latestAttemptAccountMode(db: DbOrTx, merchantId: string, paymentId: string): Promise<string | undefined> {
  const row = await db.selectFrom('attempts').innerJoin('provider_accounts', 'provider_accounts.id', 'attempts.provider_account_id')
    .select('provider_accounts.mode').where('attempts.payment_id', '=', paymentId).where('attempts.merchant_id', '=', merchantId)
    .orderBy('attempts.id', 'desc').limit(1).executeTakeFirst();
  return row?.mode;
}

/** The latest attempt of a payment with the account it went to: where a buyer would pay it. */
export async function latestAttemptWithAccount(db: DbOrTx, paymentId: string) {
  return db.selectFrom('attempts').innerJoin('provider_accounts', 'provider_accounts.id', 'attempts.provider_account_id')
    .select(['attempts.qr_code', 'attempts.redirect_url', 'attempts.provider_reference', 'provider_accounts.base_url', 'provider_accounts.mode', 'provider_accounts.provider'])
    .where('attempts.payment_id', '=', paymentId).orderBy('attempts.id', 'desc').executeTakeFirst();
}

/** Attempts on sandbox accounts of payments still waiting for a buyer, newest first (a payment may appear more than once). */
export async function openSandboxAttempts(db: DbOrTx, limit: number) {
  return db.selectFrom('attempts')
    .innerJoin('payments', 'payments.id', 'attempts.payment_id')
    .innerJoin('provider_accounts', 'provider_accounts.id', 'attempts.provider_account_id')
    .select(['payments.id', 'payments.amount', 'payments.currency', 'provider_accounts.provider', 'provider_accounts.base_url', 'attempts.qr_code', 'attempts.redirect_url', 'attempts.id as attempt_id'])
    .where('provider_accounts.mode', '=', 'sandbox').where('payments.status', '=', 'requires_action')
    .orderBy('attempts.id', 'desc').limit(limit).execute();
}

/** PayPal capture rounds (app/capture.ts): sets `set` only while the attempt is still in capture round `round`. */
export async function updateCaptureRound(db: DbOrTx, id: string, round: number, set: Pick<AttemptUpdate, 'capture_round' | 'capture_declined_round'>): Promise<void> {
  await db.updateTable('attempts').set(set).where('id', '=', id).where('capture_round', '=', round).execute();
}
