/**
 * Job handlers: what each kind of due work does, when it runs again, how it ends when its
 * bounded schedule (schedule.ts, JOB_SCHEDULES) is spent — and the operator's view of the
 * jobs that gave up (listing and retry).
 */
import { z } from 'zod';
import { PaygateError } from '../domain/errors.js';
import { isTerminal } from '../domain/payment-state.js';
import { attemptById } from '../infra/db/repos/attempts.js';
import { updateDelivery } from '../infra/db/repos/webhooks.js';
import { paymentById } from '../infra/db/repos/payments.js';
import type { JobRow } from '../infra/db/schema.js';
import type { JobOutcome, JobSpec } from '../infra/jobs/worker.js';
import { jobPayload, type JobKind } from '../infra/jobs/queue.js';
import { getJob, listJobs, revive, type JobListQuery } from '../infra/jobs/dead-letters.js';
import { reconcileDailyJob } from './reconciliation/daily.js';
import type { AppContext } from './context.js';
import { closeAtProvider, queryAttempt, type SettleOutcome } from './settle.js';
import { observePayment } from './payment-transitions.js';
import { submitRefund } from './refunds.js';
import { deliverWebhook } from './webhooks.js';
import { JOB_SCHEDULES, delayAfterRunS } from './schedule.js';
import { connectorFor } from './connectors.js';
import { loadAccount } from './accounts.js';
import { isUnanswered, resumeHeldAttempt } from './payments/index.js';
import { purgeIdempotencyJob, purgeNotificationsJob } from './retention.js';

const payloadSchema = z.object({ n: z.number().optional(), phase: z.enum(['submit', 'query']).optional() });

function payloadOf(job: JobRow): z.output<typeof payloadSchema> {
  return jobPayload(job, payloadSchema) ?? {};
}

/** What the provider call that did not settle said, for jobs.last_error. */
function failureOf(outcome: SettleOutcome): string | undefined {
  return outcome.kind === 'failure' ? `${outcome.failure.code}: ${outcome.failure.message}` : undefined;
}

async function pollAttempt(ctx: AppContext, job: JobRow): Promise<JobOutcome> {
  const attempt = await attemptById(ctx.db, job.ref_id);
  if (!attempt) return { done: true };
  const payment = await paymentById(ctx.db, attempt.payment_id);
  if (!payment) throw new Error(`attempt ${attempt.id} has no payment ${attempt.payment_id}`);
  if (isTerminal(payment.status)) return { done: true };
  const n = (payloadOf(job).n ?? 0) + 1;
  // A create that got no answer is re-sent with the same provider key, not queried: a query
  // cannot tell "never made" from "made, not scanned yet", and only the create's answer names
  // a Stripe session or PayPal order (payments/held.ts, resumeHeldAttempt).
  if (isUnanswered(attempt) && payment.status === 'requires_action' && payment.expires_at > ctx.now()) {
    const acc = await loadAccount(ctx, attempt.provider_account_id);
    const resumed = acc ? await resumeHeldAttempt(ctx, payment, attempt, acc) : 'held';
    return { done: false, runAt: ctx.now() + delayAfterRunS('poll_attempt', n, connectorFor(attempt.provider)?.pollDelaysS) * 1000 * ctx.timeScale, payload: { n }, ...(resumed === 'held' ? { error: `create still unanswered (${attempt.error_code ?? 'no answer'})` } : {}) };
  }
  const outcome = await queryAttempt(ctx, payment, attempt);
  if (outcome.kind === 'observed' && isTerminal(outcome.result.to)) return { done: true };
  const error = failureOf(outcome);
  return { done: false, runAt: ctx.now() + delayAfterRunS('poll_attempt', n, connectorFor(attempt.provider)?.pollDelaysS) * 1000 * ctx.timeScale, payload: { n }, ...(error ? { error } : {}) };
}

async function expirePayment(ctx: AppContext, job: JobRow): Promise<JobOutcome> {
  const payment = await paymentById(ctx.db, job.ref_id);
  if (!payment || isTerminal(payment.status)) return { done: true };
  if (payment.expires_at > ctx.now()) return { done: false, runAt: payment.expires_at };
  const outcome = await closeAtProvider(ctx, payment, 'expired');
  if (outcome.kind === 'observed' && isTerminal(outcome.result.to)) return { done: true };
  const n = (payloadOf(job).n ?? 0) + 1;
  const error = failureOf(outcome) ?? `close did not settle the payment (${outcome.kind === 'observed' ? outcome.result.to : 'unknown'})`;
  return { done: false, runAt: ctx.now() + delayAfterRunS('expire_payment', n) * 1000 * ctx.timeScale, payload: { n }, error };
}

/**
 * The expiry gave up closing at the provider: the deadline has passed and the provider's
 * order lapses by itself, so the payment is over either way — record it `expired` with its
 * usual event. A success heard later still becomes `conflict` (domain/payment-state.ts).
 */
async function expiryGaveUp(ctx: AppContext, job: JobRow, error: string): Promise<void> {
  const payment = await paymentById(ctx.db, job.ref_id);
  // Never before the deadline: a job that died early (crash loop) must not cut a payment short.
  if (!payment || isTerminal(payment.status) || payment.expires_at > ctx.now()) return;
  const r = await observePayment(ctx, { paymentId: payment.id, observed: 'expired', source: 'expiry_gave_up' });
  if (r.changed) ctx.log.warn({ payment_id: payment.id, last_error: error }, 'expiry could not close the order at the provider; payment recorded expired anyway');
}

async function syncRefund(ctx: AppContext, job: JobRow): Promise<JobOutcome> {
  const p = payloadOf(job);
  const phase = p.phase ?? 'query';
  const status = await submitRefund(ctx, job.ref_id, phase);
  if (status !== 'pending') return { done: true };
  const n = (p.n ?? 0) + 1;
  // Alternate: re-submit is idempotent at the provider (same out_request_no) and covers a
  // request that never arrived; query covers a refund that is merely still processing.
  return { done: false, runAt: ctx.now() + delayAfterRunS('sync_refund', n) * 1000 * ctx.timeScale, payload: { n, phase: n % 2 === 0 ? 'submit' : 'query' }, error: `refund still pending after ${phase}` };
}

/** A delivery whose job died (runs that threw) ends as its own table would have ended it: failed. */
async function deliveryGaveUp(ctx: AppContext, job: JobRow, error: string): Promise<void> {
  await updateDelivery(ctx.db, job.ref_id, { status: 'failed', last_error: error, updated_at: ctx.now() }, 'pending');
}

export function jobHandlers(ctx: AppContext): Record<JobKind, JobSpec> {
  const spec = (kind: JobKind, run: JobSpec['run'], onDead?: JobSpec['onDead']): JobSpec => ({
    run, maxRuns: JOB_SCHEDULES[kind].maxRuns, ...(JOB_SCHEDULES[kind].recurring ? { recurring: true } : {}), ...(onDead ? { onDead } : {}),
  });
  return {
    deliver_webhook: spec('deliver_webhook', (job) => deliverWebhook(ctx, job), (job, err) => deliveryGaveUp(ctx, job, err)),
    poll_attempt: spec('poll_attempt', (job) => pollAttempt(ctx, job)),
    expire_payment: spec('expire_payment', (job) => expirePayment(ctx, job), (job, err) => expiryGaveUp(ctx, job, err)),
    // The refund stays `pending` (money may be moving); the dead letter is its listing.
    sync_refund: spec('sync_refund', (job) => syncRefund(ctx, job)),
    purge_idempotency: spec('purge_idempotency', () => purgeIdempotencyJob(ctx)),
    purge_notifications: spec('purge_notifications', () => purgeNotificationsJob(ctx)),
    reconcile_daily: spec('reconcile_daily', () => reconcileDailyJob(ctx)),
  };
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export function jobToApi(row: JobRow) {
  const dead = row.dead_at !== null && row.dead_at !== undefined;
  return {
    id: row.id, object: 'job' as const, kind: row.kind, ref_id: row.ref_id, state: dead ? 'dead' as const : 'pending' as const,
    attempts: row.attempts, last_error: row.last_error ?? null, dead_at: iso(row.dead_at),
    // A dead job's run_at is parked (infra/jobs/queue.ts): it has no next run.
    run_at: dead ? null : iso(row.run_at), created_at: iso(row.created_at),
  };
}

export async function listJobsForAdmin(ctx: AppContext, q: JobListQuery) {
  const { rows, hasMore } = await listJobs(ctx.db, q);
  return { object: 'list' as const, data: rows.map(jobToApi), has_more: hasMore };
}

/** An operator's retry: the dead job runs again now, with its schedule from the start. */
export async function retryJob(ctx: AppContext, id: string) {
  const revived = await revive(ctx.db, id, ctx.now());
  if (!revived) {
    const row = await getJob(ctx.db, id);
    if (!row) throw new PaygateError('JOB.NOT_FOUND', `no job ${id} (a job that finished is deleted)`);
    throw new PaygateError('JOB.NOT_DEAD', `job ${id} is not dead; it runs by itself at ${iso(row.run_at)}`);
  }
  ctx.log.info({ job_id: id, kind: revived.kind, ref: revived.ref_id }, 'dead job revived by an operator');
  ctx.kickJobs();
  return jobToApi(revived);
}
