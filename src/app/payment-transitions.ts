/**
 * Applying what Paygate learned about a payment (notification, poll, close, expiry) goes
 * through observePayment: lock the payment row, ask the state table, write the new status,
 * the attempt's status, the event and its deliveries — all in one transaction. Concurrent
 * observers of the same payment (50 duplicate notifications, a poll racing a notify) are
 * serialised by the row lock (PostgreSQL) or the single writer (SQLite), and the
 * conditional update on the old status is a second guard.
 */
import { nextPaymentStatus, paymentEventFor, isTerminal, type PaymentObservation, type PaymentStatus } from '../domain/payment-state.js';
import { failureOnClose, type Decline } from '../domain/failure-codes.js';
import type { Tx } from '../infra/db/index.js';
import { attemptsOf, latestAttempt, paidAttempts, updateAttempt } from '../infra/db/repos/attempts.js';
import { lockPayment as lockPaymentRow, updatePayment, type Payment } from '../infra/db/repos/payments.js';
import { cancel as cancelJobs } from '../infra/jobs/queue.js';
import type { AppContext } from './context.js';
import { recordEvent } from './outbox.js';
import { paymentToApi } from './representations.js';
import { liveAccounts, livemodeOf } from './modes.js';
import { logPaymentEnd } from './transition-log.js';
import { addToProfile } from '../infra/db/repos/risk-profiles.js';
import { closeReviewOnTransition, type ReviewClose } from './risk/review-close.js';

export async function lockPayment(ctx: AppContext, trx: Tx, id: string): Promise<Payment | undefined> {
  return lockPaymentRow(trx, id, ctx.dbh.supportsRowLocks);
}

export interface Observation {
  paymentId: string;
  attemptId?: string;
  observed: PaymentObservation;
  providerTransactionId?: string;
  /** Why: "notification", "poll", "cancel", "expiry" … kept in logs. */
  source: string;
  /** The provider's decline, when it reported one: recorded on the attempt and the payment whether or not the status changes. */
  decline?: Decline;
  /** Paygate's own reason for a failure it decides (a denied review: RISK.DENIED), written as the payment's failure. */
  failure?: { code: string; message: string };
  /** Who closes the payment's open review and why, when this observation takes it out of requires_review. */
  review?: ReviewClose;
}

export interface ObservationResult {
  changed: boolean;
  from: PaymentStatus;
  to: PaymentStatus;
  /** No status change, but a new decline was recorded on the open payment: the buyer's page should say so (published like a change). */
  declined?: true;
}

export async function observePayment(ctx: AppContext, obs: Observation, trxIn?: Tx): Promise<ObservationResult> {
  const run = async (trx: Tx): Promise<ObservationResult> => {
    const payment = await lockPayment(ctx, trx, obs.paymentId);
    if (!payment) throw new Error(`payment ${obs.paymentId} vanished`);
    const now = ctx.now();
    const from = payment.status;
    const next = nextPaymentStatus(from, obs.observed);

    // Routing may give up on an attempt and fall back to another account; the payment then
    // follows its latest attempt only. What is heard later about an abandoned one (closed,
    // failed, expired) concerns an order nobody can pay and must not move the payment; a
    // success still counts, because money was taken (see abandonAttempt in app/payments/attempts.ts).
    if (obs.attemptId && obs.observed !== 'succeeded') {
      const current = await latestAttempt(trx, payment.id);
      if (current && current.id !== obs.attemptId) return { changed: false, from, to: from };
    }

    // The attempt mirrors what the provider said; a success is recorded on it even when the
    // payment becomes `conflict`, because the money was taken on that attempt.
    if (obs.attemptId && obs.observed !== 'approved' && (next !== null || obs.observed === 'succeeded')) {
      await updateAttempt(trx, obs.attemptId, { status: obs.observed, updated_at: now, ...(obs.observed === 'succeeded' ? { succeeded_at: now } : {}), ...(obs.providerTransactionId ? { provider_transaction_id: obs.providerTransactionId } : {}) }, { notStatus: 'succeeded' });
    }
    const failure = failureFields(payment, obs, next);
    if (obs.attemptId && failure) {
      await updateAttempt(trx, obs.attemptId, obs.observed === 'succeeded' ? { failure_code: null, failure_message: null, decline_code: null } : { failure_code: failure.failure_code, failure_message: failure.failure_message, ...(obs.decline ? { decline_code: obs.decline.providerCode } : {}) });
    }
    if (next === null) {
      // A decline inside a session the buyer can still use changes no status, but is kept.
      const fresh = failure && obs.observed !== 'succeeded' && (payment.failure_code !== failure.failure_code || payment.failure_message !== failure.failure_message);
      if (failure && obs.observed !== 'succeeded') await updatePayment(trx, payment.id, { ...failure, updated_at: now });
      if (obs.attemptId && obs.observed === 'succeeded' && from === 'succeeded') await warnIfPaidTwice(ctx, trx, payment.id);
      return { changed: false, from, to: from, ...(fresh && obs.decline ? { declined: true as const } : {}) };
    }

    if (!(await updatePayment(trx, payment.id, { status: next, updated_at: now, ...failure }, from))) throw new Error(`payment ${payment.id} changed under a lock`);
    // The customer's behaviour profile learns from what they actually paid (domain/risk/profile.ts).
    if (next === 'succeeded' && payment.customer_id) {
      await addToProfile(trx, ctx.dbh.supportsRowLocks, payment.merchant_id, payment.customer_id, { amount: payment.amount, currency: payment.currency, method: payment.method, hour: new Date(Number(payment.created_at)).getUTCHours() }, now);
    }

    const type = paymentEventFor(next);
    if (type) {
      const attempts = await attemptsOf(trx, [payment.id]);
      const live = await liveAccounts(ctx, attempts.map((a) => a.provider_account_id), trx);
      const snapshot = paymentToApi({ ...payment, status: next, updated_at: now, ...failure }, attempts, ctx.publicUrl(), livemodeOf(attempts, live));
      await recordEvent(trx, { merchantId: payment.merchant_id, type, objectId: payment.id, data: snapshot }, now);
    }
    // After the payment's own event: the merchant hears "failed" (or expired) before "review closed".
    if (from === 'requires_review') await closeReviewOnTransition(ctx, trx, payment, next, obs.review, now);
    if (isTerminal(next)) {
      // Nothing left to poll or expire; leave the jobs table lean.
      await cancelJobs(trx, ['poll_attempt', 'expire_payment'], [payment.id, obs.attemptId ?? '']);
    }
    ctx.metrics.paymentTransitions.inc({ provider: payment.provider, method: payment.method, status: next });
    logPaymentEnd(ctx, payment, next, obs.source, obs.attemptId);
    return { changed: true, from, to: next };
  };
  const result = trxIn ? await run(trxIn) : await ctx.db.transaction().execute(run);
  if (result.changed && !trxIn) ctx.kickJobs();
  if ((result.changed || result.declined) && !trxIn) ctx.statusBus?.publish(obs.paymentId, result.to);
  return result;
}

const CLOSING: ReadonlySet<string> = new Set(['order_closed', 'expired']);

/**
 * The failure columns to write: the observed decline; on a final failure without one, the
 * last decline recorded (the buyer's last try is the useful reason) or what closed it;
 * cleared on success. Undefined: leave them as they are.
 */
function failureFields(payment: Payment, obs: Observation, next: PaymentStatus | null): { failure_code: string | null; failure_message: string | null } | undefined {
  if (obs.failure) return next === null ? undefined : { failure_code: obs.failure.code, failure_message: obs.failure.message };
  if (obs.observed === 'succeeded') return next === 'succeeded' ? { failure_code: null, failure_message: null } : undefined;
  // A decline heard late (out of order) about a paid payment is not its reason: keep it clean.
  if (payment.status === 'succeeded' || payment.status === 'conflict') return undefined;
  // An order closed at the provider after a decline: the buyer's last decline stays the reason.
  if (obs.decline && CLOSING.has(obs.decline.code) && payment.failure_code) return undefined;
  if (obs.decline) return { failure_code: obs.decline.code, failure_message: obs.decline.message };
  if ((next === 'failed' || next === 'expired') && !payment.failure_code) {
    // A create the provider refused never reached a buyer: the provider failed, nobody declined.
    const closed = obs.source === 'create' ? { code: 'provider_error' as const, message: 'The provider refused to create the order.' } : failureOnClose(next);
    return { failure_code: closed.code, failure_message: closed.message };
  }
  return undefined;
}

/** Two attempts of one payment both paid (an abandoned order paid after all): nothing to transition, but an operator must refund one. */
async function warnIfPaidTwice(ctx: AppContext, trx: Tx, paymentId: string): Promise<void> {
  const paid = await paidAttempts(trx, paymentId);
  if (paid.length > 1) ctx.log.error({ payment_id: paymentId, attempt_ids: paid.map((a) => a.id) }, 'payment was paid on more than one attempt; refund all but one');
}
