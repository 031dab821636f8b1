/** Job handlers: what each kind of due work does, and when it runs again. */
import { isTerminal, type PaymentStatus } from '../domain/payment-state.js';
import type { JobRow } from '../infra/db/schema.js';
import type { JobHandler, JobOutcome } from '../infra/jobs/worker.js';
import type { AppContext } from './context.js';
import { closeAtProvider, queryAttempt } from './settle.js';
import { submitRefund } from './refunds.js';
import { deliverWebhook } from './webhooks.js';
import { POLL_DELAYS_S, REFUND_SYNC_DELAYS_S, delayAt, pollDelayS } from './schedule.js';
import { connectorFor } from './connectors.js';
import { purgeIdempotencyJob, purgeNotificationsJob } from './retention.js';

function payloadOf(job: JobRow): { n?: number; phase?: 'submit' | 'query' } {
  try {
    return JSON.parse(job.payload) as { n?: number; phase?: 'submit' | 'query' };
  } catch {
    return {};
  }
}

async function pollAttempt(ctx: AppContext, job: JobRow): Promise<JobOutcome> {
  const attempt = await ctx.db.selectFrom('attempts').selectAll().where('id', '=', job.ref_id).executeTakeFirst();
  if (!attempt) return { done: true };
  const payment = await ctx.db.selectFrom('payments').selectAll().where('id', '=', attempt.payment_id).executeTakeFirstOrThrow();
  if (isTerminal(payment.status as PaymentStatus)) return { done: true };
  const outcome = await queryAttempt(ctx, payment, attempt);
  if (outcome.kind === 'observed' && isTerminal(outcome.result.to)) return { done: true };
  const n = (payloadOf(job).n ?? 0) + 1;
  return { done: false, runAt: ctx.now() + pollDelayS(connectorFor(attempt.provider)?.pollDelaysS, n) * 1000 * ctx.timeScale, payload: { n } };
}

async function expirePayment(ctx: AppContext, job: JobRow): Promise<JobOutcome> {
  const payment = await ctx.db.selectFrom('payments').selectAll().where('id', '=', job.ref_id).executeTakeFirst();
  if (!payment || isTerminal(payment.status as PaymentStatus)) return { done: true };
  if (payment.expires_at > ctx.now()) return { done: false, runAt: payment.expires_at };
  const outcome = await closeAtProvider(ctx, payment, 'expired');
  if (outcome.kind === 'observed' && isTerminal(outcome.result.to)) return { done: true };
  const n = (payloadOf(job).n ?? 0) + 1;
  return { done: false, runAt: ctx.now() + delayAt(POLL_DELAYS_S, n) * 1000 * ctx.timeScale, payload: { n } };
}

async function syncRefund(ctx: AppContext, job: JobRow): Promise<JobOutcome> {
  const p = payloadOf(job);
  const status = await submitRefund(ctx, job.ref_id, p.phase ?? 'query');
  if (status !== 'pending') return { done: true };
  const n = (p.n ?? 0) + 1;
  // Alternate: re-submit is idempotent at the provider (same out_request_no) and covers a
  // request that never arrived; query covers a refund that is merely still processing.
  return { done: false, runAt: ctx.now() + delayAt(REFUND_SYNC_DELAYS_S, n) * 1000 * ctx.timeScale, payload: { n, phase: n % 2 === 0 ? 'submit' : 'query' } };
}

export function jobHandlers(ctx: AppContext): Record<string, JobHandler> {
  return {
    deliver_webhook: (job) => deliverWebhook(ctx, job),
    poll_attempt: (job) => pollAttempt(ctx, job),
    expire_payment: (job) => expirePayment(ctx, job),
    sync_refund: (job) => syncRefund(ctx, job),
    purge_idempotency: () => purgeIdempotencyJob(ctx),
    purge_notifications: () => purgeNotificationsJob(ctx),
  };
}
