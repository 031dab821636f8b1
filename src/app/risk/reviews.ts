/**
 * The manual review queue (docs/risk.md). A payment risk control holds waits in
 * `requires_review` with no provider order; an operator approves it (it is routed to the
 * provider as the create would have been, and the buyer gets a QR code or redirect) or
 * denies it (`failed`, failure_code RISK.DENIED). Expiry and cancel still apply and close
 * the review too. Every close goes through observePayment, whose state table decides, and
 * closes the review in the same transaction with a `review.closed` event, so a review is
 * closed exactly once whoever gets there first.
 */
import { PaygateError } from '../../domain/errors.js';
import { paymentById } from '../../infra/db/repos/payments.js';
import { listReviews as pageOfReviews, reviewById, type Review, type ReviewStatus } from '../../infra/db/repos/risk-reviews.js';
import type { AppContext } from '../context.js';
import { getMerchant } from '../merchants.js';
import { observePayment } from '../payment-transitions.js';
import { loadPaymentApi, type PaymentApi } from '../payments/queries.js';
import { routeApproved } from '../payments/create.js';
import { reviewToApi, type ReviewApi, type ReviewClose } from './review-close.js';
import { DENIED_FAILURE } from './outcomes.js';

export { REVIEW_STATUSES } from '../../infra/db/repos/risk-reviews.js';

export interface ReviewQuery { status?: ReviewStatus | undefined; merchant_id?: string | undefined; limit: number; starting_after?: string | undefined }

export async function listReviews(ctx: AppContext, q: ReviewQuery): Promise<{ object: 'list'; data: ReviewApi[]; has_more: boolean }> {
  if (q.merchant_id) await getMerchant(ctx, q.merchant_id);
  const rows = await pageOfReviews(ctx.db, { status: q.status, merchantId: q.merchant_id, limit: q.limit + 1, startingAfter: q.starting_after });
  return { object: 'list', data: rows.slice(0, q.limit).map(reviewToApi), has_more: rows.length > q.limit };
}

async function loadReview(ctx: AppContext, id: string): Promise<Review> {
  const r = await reviewById(ctx.db, id);
  if (!r) throw new PaygateError('RISK.REVIEW_NOT_FOUND', `no review ${id}`, { field: 'id' });
  return r;
}

export async function getReview(ctx: AppContext, id: string): Promise<ReviewApi> {
  return reviewToApi(await loadReview(ctx, id));
}

function closedError(r: Review): PaygateError {
  return new PaygateError('RISK.REVIEW_CLOSED', `review ${r.id} is closed already (${r.closed_reason ?? 'closed'}${r.closed_by ? ` by ${r.closed_by}` : ''}); payment ${r.payment_id} goes on from there`, { details: { review_id: r.id, payment_id: r.payment_id, closed_reason: r.closed_reason } });
}

export interface ReviewDecisionInput { closed_by?: string | undefined; note?: string | undefined }

/** Moves the payment out of review through the state table; RISK.REVIEW_CLOSED when someone else closed it first. */
async function closeAs(ctx: AppContext, r: Review, observed: 'approved' | 'failed', input: ReviewDecisionInput): Promise<void> {
  if (r.status !== 'open') throw closedError(r);
  const close: ReviewClose = { closed_reason: observed === 'approved' ? 'approved' : 'denied', closed_by: input.closed_by ?? null, note: input.note ?? null };
  const result = await observePayment(ctx, {
    paymentId: r.payment_id, observed, source: observed === 'approved' ? 'review approved' : 'review denied', review: close,
    ...(observed === 'failed' ? { failure: { code: DENIED_FAILURE, message: `Denied in manual review${input.note ? `: ${input.note}` : ''}.` } } : {}),
  });
  if (!result.changed || result.from !== 'requires_review') throw closedError(await loadReview(ctx, r.id));
}

export interface ReviewOutcome { review: ReviewApi; payment: PaymentApi }

/**
 * Approve: the payment goes back to requires_action and is routed to the provider now, as its
 * create would have been (the creating key's mode, the pinned account if there was one). A
 * provider refusal then fails the payment the usual way; the review stays approved.
 */
export async function approveReview(ctx: AppContext, id: string, input: ReviewDecisionInput): Promise<ReviewOutcome> {
  const r = await loadReview(ctx, id);
  await closeAs(ctx, r, 'approved', input);
  const payment = await paymentById(ctx.db, r.payment_id);
  if (!payment) throw new Error(`payment ${r.payment_id} of review ${r.id} vanished`);
  let answer: PaymentApi;
  try {
    answer = await routeApproved(ctx, payment, { pinned: r.pinned_account_id, keyMode: r.key_mode });
  } catch (err) {
    // Routing failed (no account, every provider refused): the review is approved all the same; the payment says why.
    if (!(err instanceof PaygateError)) throw err;
    answer = await loadPaymentApi(ctx, r.merchant_id, r.payment_id);
  }
  return { review: reviewToApi(await loadReview(ctx, id)), payment: answer };
}

export async function denyReview(ctx: AppContext, id: string, input: ReviewDecisionInput): Promise<ReviewOutcome> {
  const r = await loadReview(ctx, id);
  await closeAs(ctx, r, 'failed', input);
  return { review: reviewToApi(await loadReview(ctx, id)), payment: await loadPaymentApi(ctx, r.merchant_id, r.payment_id) };
}
