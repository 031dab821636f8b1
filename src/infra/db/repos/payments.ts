/**
 * The payments table. Rows leave here with their status checked against the payment state
 * table's union, so callers switch on it without a cast; JSON columns (metadata, the
 * routing log) are read through the parsers below, never with an `as`.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import { PAYMENT_STATUSES, type PaymentStatus } from '../../../domain/payment-state.js';
import type { RoutingLogEntry } from '../../../domain/routing.js';
import type { DbOrTx, Tx } from '../index.js';
import type { PaymentRow } from '../schema.js';
import { jsonColumn, statusColumn } from './columns.js';

export type Payment = Omit<PaymentRow, 'status'> & { status: PaymentStatus };
export type PaymentUpdate = Partial<Omit<Payment, 'id' | 'merchant_id'>>;

const paymentStatus = statusColumn('payments', PAYMENT_STATUSES);
const toPayment = (row: PaymentRow): Payment => ({ ...row, status: paymentStatus(row.status) });
const maybe = (row: PaymentRow | undefined): Payment | undefined => (row ? toPayment(row) : undefined);

// Loose: an entry keeps fields this version does not name (written by a newer node), as it did before the check.
const routingLogEntry = z.looseObject({
  provider_account_id: z.string(),
  attempt_id: z.string().optional(),
  outcome: z.enum(['skipped', 'failed', 'unanswered']),
  reason: z.string(),
  at: z.string(),
}) satisfies z.ZodType<RoutingLogEntry>;
const routingLogColumn = jsonColumn('payments.routing_log', z.array(routingLogEntry));
/** The routing decisions kept on a payment; none before the first. */
export const routingLogOf = (p: Pick<PaymentRow, 'routing_log'>): RoutingLogEntry[] => (p.routing_log ? routingLogColumn(p.routing_log) : []);

// Loose: a record written by a newer node keeps what this one does not name (app/risk/assess.ts decisionRecord writes it).
const riskDecisionColumn = jsonColumn('payments.risk_decision', z.looseObject({
  action: z.enum(['allow', 'review', 'block']), score: z.number().int(),
  rules: z.array(z.looseObject({ name: z.string(), action: z.string(), mode: z.string() })),
  lists: z.array(z.looseObject({ list: z.string(), action: z.string(), value: z.string() })).optional(),
  review_id: z.string().nullable().optional(),
  flagged: z.looseObject({ action: z.enum(['review', 'block']), score: z.number().int(), at: z.string() }).optional(),
}));
/** The risk decision kept on a payment; null for one made before risk control decided payments. */
export const riskDecisionOf = (p: Pick<PaymentRow, 'risk_decision'>) => (p.risk_decision ? riskDecisionColumn(p.risk_decision) : null);

/** Metadata is the merchant's string → string map (http/schemas.ts validates it on the way in). */
export const metadataOf = jsonColumn('payments.metadata', z.record(z.string(), z.string()));

export async function paymentById(db: DbOrTx, id: string): Promise<Payment | undefined> {
  return maybe(await db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst());
}

/** A merchant's own payment: another merchant's id reads as not found. */
export async function paymentOfMerchant(db: DbOrTx, merchantId: string, id: string): Promise<Payment | undefined> {
  return maybe(await db.selectFrom('payments').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst());
}

export async function paymentByOrderId(db: DbOrTx, merchantId: string, merchantOrderId: string): Promise<Payment | undefined> {
  return maybe(await db.selectFrom('payments').selectAll().where('merchant_id', '=', merchantId).where('merchant_order_id', '=', merchantOrderId).executeTakeFirst());
}

/**
 * The payment under its row lock for the rest of `trx` (PostgreSQL); SQLite has one writer,
 * so the transaction itself serialises (`rowLocks` is DbHandle.supportsRowLocks).
 */
export async function lockPayment(trx: Tx, id: string, rowLocks: boolean): Promise<Payment | undefined> {
  const q = trx.selectFrom('payments').selectAll().where('id', '=', id);
  return maybe(await (rowLocks ? q.forUpdate() : q).executeTakeFirst());
}

export async function insertPayment(db: DbOrTx, row: Payment): Promise<void> {
  await db.insertInto('payments').values(row).execute();
}

/** Writes `set`; with `fromStatus`, only while the payment still has that status. True when the row was written. */
export async function updatePayment(db: DbOrTx, id: string, set: PaymentUpdate, fromStatus?: PaymentStatus): Promise<boolean> {
  let q = db.updateTable('payments').set(set).where('id', '=', id);
  if (fromStatus) q = q.where('status', '=', fromStatus);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Adds routing decisions to the payment's log (call under the payment lock: read, then write). */
export async function appendRoutingLog(db: DbOrTx, paymentId: string, entries: readonly RoutingLogEntry[]): Promise<void> {
  const row = await db.selectFrom('payments').select('routing_log').where('id', '=', paymentId).executeTakeFirst();
  const log = row ? routingLogOf(row) : [];
  await db.updateTable('payments').set({ routing_log: JSON.stringify([...log, ...entries]) }).where('id', '=', paymentId).execute();
}

export interface PaymentPage { merchantOrderId?: string | undefined; status?: string | undefined; startingAfter?: string | undefined; limit: number }

/** Newest first, one more than `limit` so the caller can tell whether there is a next page. */
export async function listPayments(db: DbOrTx, merchantId: string, page: PaymentPage): Promise<Payment[]> {
  let q = db.selectFrom('payments').selectAll().where('merchant_id', '=', merchantId);
  if (page.merchantOrderId) q = q.where('merchant_order_id', '=', page.merchantOrderId);
  if (page.status) q = q.where('status', '=', page.status);
  if (page.startingAfter) q = q.where('id', '<', page.startingAfter);
  return (await q.orderBy('id', 'desc').limit(page.limit + 1).execute()).map(toPayment);
}

/** The payment with its merchant's display name (what the hosted cashier shows). */
export async function paymentWithMerchantName(db: DbOrTx, id: string): Promise<(Payment & { merchant_name: string }) | undefined> {
  const row = await db.selectFrom('payments').innerJoin('merchants', 'merchants.id', 'payments.merchant_id')
    .selectAll('payments').select('merchants.name as merchant_name').where('payments.id', '=', id).executeTakeFirst();
  return row ? { ...row, status: paymentStatus(row.status) } : undefined;
}

/** Clears the fields that can hold a buyer's data (set by the merchant); ids, amounts and state stay. Returns the rows changed. */
export async function erasePersonalFields(db: DbOrTx, ids: readonly string[], now: number): Promise<number> {
  const r = await db.updateTable('payments').set({ metadata: '{}', payer_country: null, return_url: null, customer_id: null, customer_email: null, customer_phone: null, client_ip: null, device_id: null, updated_at: now }).where('id', 'in', ids).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Who pays, of each payment (an erase reads them before clearing them). */
export async function buyerFieldsOf(db: DbOrTx, ids: readonly string[]): Promise<Array<Pick<PaymentRow, 'merchant_id' | 'customer_id' | 'customer_email' | 'device_id'>>> {
  if (ids.length === 0) return [];
  return db.selectFrom('payments').select(['merchant_id', 'customer_id', 'customer_email', 'device_id']).where('id', 'in', ids).execute();
}

/** Payments whose metadata text matches a LIKE pattern (lower-cased, `\\` escapes), optionally of one merchant: a full scan, for rare admin use. */
export async function paymentsWithMetadataLike(db: DbOrTx, pattern: string, merchantId?: string): Promise<Array<Pick<PaymentRow, 'id' | 'metadata'>>> {
  let q = db.selectFrom('payments').select(['id', 'metadata']).where(sql<boolean>`lower(metadata) like ${pattern} escape '\\'`);
  if (merchantId) q = q.where('merchant_id', '=', merchantId);
  return q.execute();
}
