/**
 * Closing a review when its payment leaves requires_review, inside observePayment's
 * transaction (app/payment-transitions.ts), and the review as the API shows it. Apart from
 * reviews.ts so the transition code does not import the routing that approval needs.
 */
import { isTerminal, type PaymentStatus } from '../../domain/payment-state.js';
import type { Tx } from '../../infra/db/index.js';
import type { Payment } from '../../infra/db/repos/payments.js';
import { closeReview, reviewOfPayment, type Review, type ReviewClosedReason } from '../../infra/db/repos/risk-reviews.js';
import type { AppContext } from '../context.js';
import { recordEvent } from '../outbox.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function reviewToApi(r: Review) {
  return {
    id: r.id, object: 'review' as const, merchant_id: r.merchant_id, payment_id: r.payment_id, status: r.status, reason: r.reason,
    closed_reason: r.closed_reason, closed_by: r.closed_by, note: r.note, created_at: iso(r.created_at), closed_at: iso(r.closed_at),
  };
}
export type ReviewApi = ReturnType<typeof reviewToApi>;

/** Who closes a review and why; written on the review. */
export interface ReviewClose { closed_reason: ReviewClosedReason; closed_by: string | null; note: string | null }

const CLOSE_BY_STATUS: Partial<Record<PaymentStatus, ReviewClosedReason>> = { requires_action: 'approved', failed: 'denied', expired: 'expired', canceled: 'canceled' };

/**
 * Called by observePayment inside its transaction when a payment leaves requires_review:
 * closes the open review (as `close` says, or by the status it went to) with review.closed.
 */
export async function closeReviewOnTransition(_ctx: AppContext, trx: Tx, payment: Payment, to: PaymentStatus, close: ReviewClose | undefined, now: number): Promise<void> {
  const review = await reviewOfPayment(trx, payment.id);
  if (!review || review.status !== 'open') return;
  const reason = close?.closed_reason ?? CLOSE_BY_STATUS[to] ?? (isTerminal(to) ? 'canceled' : 'approved');
  const closed = await closeReview(trx, review.id, { closed_reason: reason, closed_by: close?.closed_by ?? null, note: close?.note ?? null, closed_at: now });
  if (!closed) return;
  await recordEvent(trx, { merchantId: payment.merchant_id, type: 'review.closed', objectId: closed.id, data: reviewToApi(closed) }, now);
}

