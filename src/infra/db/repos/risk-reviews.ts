/**
 * risk_reviews: payments held by risk control until an operator approves or denies them.
 * One row per payment (unique), opened in the create's transaction and closed once: the
 * close is a conditional update on status = 'open', so two operators (or an operator and the
 * expiry) racing on one review cannot both close it.
 */
import type { DbOrTx } from '../index.js';
import type { RiskReviewRow } from '../schema.js';
import { statusColumn } from './columns.js';

export const REVIEW_STATUSES = ['open', 'closed'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];
export const REVIEW_CLOSED_REASONS = ['approved', 'denied', 'expired', 'canceled'] as const;
export type ReviewClosedReason = (typeof REVIEW_CLOSED_REASONS)[number];

export interface Review {
  id: string; merchant_id: string; payment_id: string; key_mode: 'test' | 'live'; pinned_account_id: string | null; status: ReviewStatus; reason: string;
  closed_reason: ReviewClosedReason | null; closed_by: string | null; note: string | null; created_at: number; closed_at: number | null;
}

const statusOf = statusColumn('risk_reviews.status', REVIEW_STATUSES);
const closedReasonOf = statusColumn('risk_reviews.closed_reason', REVIEW_CLOSED_REASONS);
const modeOf = statusColumn('risk_reviews.key_mode', ['test', 'live']);

// bigint columns come back as strings from pg.
const toReview = (r: RiskReviewRow): Review => ({
  id: r.id, merchant_id: r.merchant_id, payment_id: r.payment_id, key_mode: modeOf(r.key_mode), pinned_account_id: r.pinned_account_id, status: statusOf(r.status), reason: r.reason,
  closed_reason: r.closed_reason === null ? null : closedReasonOf(r.closed_reason), closed_by: r.closed_by, note: r.note,
  created_at: Number(r.created_at), closed_at: r.closed_at === null ? null : Number(r.closed_at),
});

export async function insertReview(db: DbOrTx, r: Pick<Review, 'id' | 'merchant_id' | 'payment_id' | 'key_mode' | 'pinned_account_id' | 'reason' | 'created_at'>): Promise<Review> {
  const row: RiskReviewRow = { ...r, status: 'open', closed_reason: null, closed_by: null, note: null, closed_at: null };
  await db.insertInto('risk_reviews').values(row).execute();
  return toReview(row);
}

export async function reviewById(db: DbOrTx, id: string): Promise<Review | undefined> {
  const row = await db.selectFrom('risk_reviews').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toReview(row) : undefined;
}

export async function reviewOfPayment(db: DbOrTx, paymentId: string): Promise<Review | undefined> {
  const row = await db.selectFrom('risk_reviews').selectAll().where('payment_id', '=', paymentId).executeTakeFirst();
  return row ? toReview(row) : undefined;
}

/** Closes an open review; undefined when it was not open any more (someone else closed it first). */
export async function closeReview(db: DbOrTx, id: string, close: { closed_reason: ReviewClosedReason; closed_by: string | null; note: string | null; closed_at: number }): Promise<Review | undefined> {
  const row = await db.updateTable('risk_reviews').set({ status: 'closed', ...close }).where('id', '=', id).where('status', '=', 'open').returningAll().executeTakeFirst();
  return row ? toReview(row) : undefined;
}

export interface ReviewQuery { status?: ReviewStatus | undefined; merchantId?: string | undefined; limit: number; startingAfter?: string | undefined }

/** Oldest first (a queue is worked from its head), paged by id. */
export async function listReviews(db: DbOrTx, q: ReviewQuery): Promise<Review[]> {
  let s = db.selectFrom('risk_reviews').selectAll();
  if (q.status) s = s.where('status', '=', q.status);
  if (q.merchantId) s = s.where('merchant_id', '=', q.merchantId);
  if (q.startingAfter) s = s.where('id', '>', q.startingAfter);
  const rows = await s.orderBy('id', 'asc').limit(q.limit).execute();
  return rows.map(toReview);
}
