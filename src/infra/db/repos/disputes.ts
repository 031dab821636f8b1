/**
 * The disputes table: disputes and reversals of paid payments, one row per provider dispute
 * id. Rows leave here with kind and status checked against the dispute state table's unions.
 */
import { DISPUTE_KINDS, DISPUTE_STATUSES, type DisputeKind, type DisputeStatus } from '../../../domain/dispute-state.js';
import type { DbOrTx } from '../index.js';
import type { DisputeRow } from '../schema.js';
import { statusColumn } from './columns.js';

export type Dispute = Omit<DisputeRow, 'status' | 'kind'> & { status: DisputeStatus; kind: DisputeKind };
export type DisputeUpdate = Partial<Omit<Dispute, 'id' | 'payment_id' | 'merchant_id'>>;

const disputeStatus = statusColumn('disputes', DISPUTE_STATUSES);
const disputeKind = statusColumn('disputes.kind', DISPUTE_KINDS);
const toDispute = (row: DisputeRow): Dispute => ({ ...row, status: disputeStatus(row.status), kind: disputeKind(row.kind) });
const maybe = (row: DisputeRow | undefined): Dispute | undefined => (row ? toDispute(row) : undefined);

export async function disputeByProviderId(db: DbOrTx, provider: string, providerDisputeId: string): Promise<Dispute | undefined> {
  return maybe(await db.selectFrom('disputes').selectAll().where('provider', '=', provider).where('provider_dispute_id', '=', providerDisputeId).executeTakeFirst());
}

export async function disputeOfMerchant(db: DbOrTx, merchantId: string, id: string): Promise<Dispute | undefined> {
  return maybe(await db.selectFrom('disputes').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst());
}

/** The disputes of these payments, oldest first. */
export async function disputesOfPayments(db: DbOrTx, paymentIds: readonly string[]): Promise<Dispute[]> {
  if (paymentIds.length === 0) return [];
  return (await db.selectFrom('disputes').selectAll().where('payment_id', 'in', paymentIds).orderBy('id').execute()).map(toDispute);
}

export async function insertDispute(db: DbOrTx, row: Dispute): Promise<void> {
  await db.insertInto('disputes').values(row).execute();
}

/** Writes `set` while the dispute still has `fromStatus`; true when written. */
export async function updateDispute(db: DbOrTx, id: string, set: DisputeUpdate, fromStatus: DisputeStatus): Promise<boolean> {
  const r = await db.updateTable('disputes').set(set).where('id', '=', id).where('status', '=', fromStatus).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Newest first, one more than `limit` so the caller can tell whether there is a next page. */
export async function listDisputes(db: DbOrTx, merchantId: string, page: { paymentId?: string | undefined; status?: string | undefined; startingAfter?: string | undefined; limit: number }): Promise<Dispute[]> {
  let q = db.selectFrom('disputes').selectAll().where('merchant_id', '=', merchantId);
  if (page.paymentId) q = q.where('payment_id', '=', page.paymentId);
  if (page.status) q = q.where('status', '=', page.status);
  if (page.startingAfter) q = q.where('id', '<', page.startingAfter);
  return (await q.orderBy('id', 'desc').limit(page.limit + 1).execute()).map(toDispute);
}
