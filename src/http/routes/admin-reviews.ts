/**
 * Admin API of the manual review queue (docs/risk.md, app/risk/reviews.ts): list the reviews,
 * read one, approve (the payment goes to its provider) or deny (it fails with RISK.DENIED).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { approveReview, denyReview, getReview, listReviews, REVIEW_STATUSES } from '../../app/risk/reviews.js';
import { defineRoute } from '../define.js';
import { listQuery } from '../schemas.js';
import { list, named, paymentObject, reviewObject } from './objects.js';

const reviewParams = z.object({ id: z.string().regex(/^rev_[0-9a-z]{26}$/, 'send a review id (rev_…) from GET /admin/reviews or a payment\'s risk.review_id').meta({ description: 'The review id (rev_…)' }) });
const reviewsQuery = listQuery.extend({
  status: z.enum(REVIEW_STATUSES).optional().meta({ description: 'open: waiting for a decision; closed: approved, denied, expired or canceled' }),
  merchant_id: z.string().regex(/^mch_[0-9a-z]{26}$/, 'send a mch_ id exactly as the API returned it').optional().meta({ description: 'One merchant\'s reviews only' }),
});
const decisionBody = z.strictObject({
  closed_by: z.string().min(1).max(128).optional().meta({ description: 'Who decided (an operator, a ticket), kept on the review' }),
  note: z.string().min(1).max(1000).optional().meta({ description: 'Why, kept on the review (and in the failure message of a denied payment)' }),
}).optional();
const reviewList = list('ReviewList', reviewObject);
const reviewOutcome = named('ReviewOutcome', z.looseObject({ review: reviewObject, payment: paymentObject }), 'The closed review and its payment after the decision');

export function adminReviewRoutes(app: FastifyInstance, ctx: AppContext): void {
  defineRoute(app, ctx, {
    method: 'GET', url: '/admin/reviews', tag: 'Admin', auth: 'admin', query: reviewsQuery, response: reviewList,
    summary: 'The review queue, oldest first (work it from the head), optionally only open or closed ones, or one merchant\'s; paged with starting_after.',
  }, async ({ query }) => ({ body: await listReviews(ctx, query) }));

  defineRoute(app, ctx, {
    method: 'GET', url: '/admin/reviews/{id}', tag: 'Admin', auth: 'admin', params: reviewParams, response: reviewObject,
    summary: 'One review (404 RISK.REVIEW_NOT_FOUND).',
  }, async ({ params }) => ({ body: await getReview(ctx, params.id) }));

  defineRoute(app, ctx, {
    method: 'POST', url: '/admin/reviews/{id}/approve', tag: 'Admin', auth: 'admin', params: reviewParams, body: decisionBody, response: reviewOutcome,
    summary: 'Approve a held payment: it leaves requires_review and is routed to its provider now, so the answer\'s payment carries the QR code or redirect (review.closed is sent). '
      + '409 RISK.REVIEW_CLOSED when the review was closed already (approved, denied, expired, canceled).',
  }, async ({ params, body }) => ({ body: await approveReview(ctx, params.id, body ?? {}) }));

  defineRoute(app, ctx, {
    method: 'POST', url: '/admin/reviews/{id}/deny', tag: 'Admin', auth: 'admin', params: reviewParams, body: decisionBody, response: reviewOutcome,
    summary: 'Deny a held payment: it fails with failure_code RISK.DENIED without reaching a provider (payment.failed and review.closed are sent). 409 RISK.REVIEW_CLOSED when closed already.',
  }, async ({ params, body }) => ({ body: await denyReview(ctx, params.id, body ?? {}) }));
}
