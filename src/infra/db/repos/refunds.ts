/**
 * The refunds table. Rows leave here with status and origin checked; a refund is matched
 * to the provider's by Paygate's reference first, then by the provider's refund id (unique
 * per payment in the schema).
 */
import { REFUND_STATUSES, type RefundStatus } from '../../../domain/refund-state.js';
import type { DbOrTx } from '../index.js';
import type { RefundRow } from '../schema.js';
import { statusColumn } from './columns.js';

/** 'paygate': asked through the API; 'provider': made in the provider's dashboard or portal, learnt afterwards. */
export type RefundOrigin = 'paygate' | 'provider';
export type Refund = Omit<RefundRow, 'status' | 'origin'> & { status: RefundStatus; origin: RefundOrigin };
export type RefundUpdate = Partial<Omit<Refund, 'id' | 'payment_id' | 'merchant_id'>>;

const refundStatus = statusColumn('refunds', REFUND_STATUSES);
// Rows from before the column existed read as Paygate's own (the migration's default).
const toRefund = (row: RefundRow): Refund => ({ ...row, status: refundStatus(row.status), origin: row.origin === 'provider' ? 'provider' : 'paygate' });
const maybe = (row: RefundRow | undefined): Refund | undefined => (row ? toRefund(row) : undefined);

export async function refundById(db: DbOrTx, id: string): Promise<Refund | undefined> {
  return maybe(await db.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirst());
}

export async function refundOfMerchant(db: DbOrTx, merchantId: string, id: string): Promise<Refund | undefined> {
  return maybe(await db.selectFrom('refunds').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst());
}

/** Every refund of the payment, in any state (the refundable amount counts pending ones). */
export async function refundsOfPayment(db: DbOrTx, paymentId: string): Promise<Refund[]> {
  return (await db.selectFrom('refunds').selectAll().where('payment_id', '=', paymentId).execute()).map(toRefund);
}

/** The refund of this payment the provider's refund is: by Paygate's reference (when the provider echoes it) or by the provider's id. */
export async function matchingRefund(db: DbOrTx, paymentId: string, providerRefundId: string, refundReference?: string): Promise<Refund | undefined> {
  const row = await db.selectFrom('refunds').selectAll().where('payment_id', '=', paymentId)
    .where((eb) => (refundReference ? eb.or([eb('provider_reference', '=', refundReference), eb('provider_refund_id', '=', providerRefundId)]) : eb('provider_refund_id', '=', providerRefundId)))
    .orderBy('id').executeTakeFirst();
  return maybe(row);
}

/** A pending refund of Paygate's own, with no provider id yet, of this amount: the provider's refund may be it. */
export async function pendingRefundWithoutProviderId(db: DbOrTx, paymentId: string, amount: number): Promise<{ id: string } | undefined> {
  return db.selectFrom('refunds').select('id').where('payment_id', '=', paymentId).where('origin', '=', 'paygate').where('status', '=', 'pending')
    .where('provider_refund_id', 'is', null).where('amount', '=', amount).executeTakeFirst();
}

/** The refund Paygate asked for under this reference, with the account and order it was asked of. */
export async function refundByReference(db: DbOrTx, refundReference: string) {
  return db.selectFrom('refunds').innerJoin('attempts', 'attempts.id', 'refunds.attempt_id')
    .select(['refunds.id', 'refunds.amount', 'refunds.currency', 'refunds.payment_id', 'attempts.provider_account_id', 'attempts.provider_reference'])
    .where('refunds.provider_reference', '=', refundReference).executeTakeFirst();
}

export async function insertRefund(db: DbOrTx, row: Refund): Promise<void> {
  await db.insertInto('refunds').values(row).execute();
}

/** Writes `set` while the guard holds: the refund still has `status`; `noProviderId`: no provider refund id yet. True when written. */
export async function updateRefund(db: DbOrTx, id: string, set: RefundUpdate, guard: { status?: RefundStatus; noProviderId?: boolean } = {}): Promise<boolean> {
  let q = db.updateTable('refunds').set(set).where('id', '=', id);
  if (guard.status) q = q.where('status', '=', guard.status);
  if (guard.noProviderId) q = q.where('provider_refund_id', 'is', null);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Newest first, one more than `limit` so the caller can tell whether there is a next page. */
export async function listRefunds(db: DbOrTx, merchantId: string, page: { paymentId?: string | undefined; startingAfter?: string | undefined; limit: number }): Promise<Refund[]> {
  let q = db.selectFrom('refunds').selectAll().where('merchant_id', '=', merchantId);
  if (page.paymentId) q = q.where('payment_id', '=', page.paymentId);
  if (page.startingAfter) q = q.where('id', '<', page.startingAfter);
  return (await q.orderBy('id', 'desc').limit(page.limit + 1).execute()).map(toRefund);
}

export async function refundIdsOfPayments(db: DbOrTx, paymentIds: readonly string[]): Promise<string[]> {
  return (await db.selectFrom('refunds').select('id').where('payment_id', 'in', paymentIds).execute()).map((r) => r.id);
}
