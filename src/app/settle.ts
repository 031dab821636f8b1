/**
 * Active settlement: asking the provider (poll, refresh) and closing at the provider
 * (cancel, expiry). Together with notifications these are the three ways a payment
 * reaches its final state; all of them end in observePayment.
 */
import type { ConnectorFailure } from '../connectors/types.js';
import { latestAttempt } from '../infra/db/repos/attempts.js';
import type { AttemptRow, PaymentRow } from '../infra/db/schema.js';
import type { AppContext } from './context.js';
import { loadAccount } from './accounts.js';
import { callAccount } from './provider-auth.js';
import { captureApproved, type CaptureTrigger } from './capture.js';
import { observePayment, type ObservationResult } from './payment-transitions.js';

export type SettleOutcome = { kind: 'observed'; result: ObservationResult } | { kind: 'failure'; failure: ConnectorFailure };

/** trigger: 'approval' when the buyer just came back from approving (PayPal), else a poll (app/capture.ts rounds). */
export async function queryAttempt(ctx: AppContext, payment: PaymentRow, attempt: AttemptRow, trigger: CaptureTrigger = 'poll'): Promise<SettleOutcome> {
  const acc = await loadAccount(ctx, attempt.provider_account_id);
  if (!acc) return { kind: 'failure', failure: { ok: false, code: 'PROVIDER_ACCOUNT.NOT_FOUND', retryable: false, message: `account ${attempt.provider_account_id} is gone` } };
  const ref = attempt.provider_reference;
  const order = orderOf(payment, attempt);
  const q = await callAccount(ctx, acc, 'query', (cctx) => acc.connector.query.build(cctx, ref, order), (cctx, res) => acc.connector.query.parse(cctx, ref, payment.currency, res, order));
  if (!q.ok) return { kind: 'failure', failure: q };
  if (q.status === 'succeeded' && q.amount !== undefined && q.amount !== payment.amount) {
    // A paid amount that differs from the order is never a success; an operator must look.
    ctx.log.error({ payment_id: payment.id, expected: payment.amount, reported: q.amount }, 'provider reports a different paid amount; not settling');
    return { kind: 'failure', failure: { ok: false, code: 'NOTIFY.AMOUNT_MISMATCH', retryable: false, message: `provider reports ${q.amount}, payment is ${payment.amount}` } };
  }
  const result = await observePayment(ctx, { paymentId: payment.id, attemptId: attempt.id, observed: q.status, source: 'query', ...(q.providerTransactionId ? { providerTransactionId: q.providerTransactionId } : {}), ...(q.decline ? { decline: q.decline } : {}) });
  if (q.requiresCapture) {
    const captured = await captureApproved(ctx, payment.id, trigger);
    if (captured) return { kind: 'observed', result: captured.changed || !result.changed ? captured : result };
  }
  return { kind: 'observed', result };
}

function orderOf(payment: PaymentRow, attempt: AttemptRow) {
  return {
    amount: payment.amount, currency: payment.currency,
    ...(attempt.provider_transaction_id ? { providerTransactionId: attempt.provider_transaction_id } : {}),
    ...(attempt.provider_order_id ? { providerOrderId: attempt.provider_order_id } : {}),
  };
}

export async function queryAtProvider(ctx: AppContext, payment: PaymentRow, trigger: CaptureTrigger = 'poll'): Promise<SettleOutcome | undefined> {
  const attempt = await latestAttempt(ctx.db, payment.id);
  return attempt ? queryAttempt(ctx, payment, attempt, trigger) : undefined;
}

/**
 * Close the trade so the buyer can no longer pay, then record `target`. If the provider
 * says the trade is no longer open, it may have been paid a moment ago: query and record
 * what actually happened instead.
 */
export async function closeAtProvider(ctx: AppContext, payment: PaymentRow, target: 'canceled' | 'expired'): Promise<SettleOutcome> {
  const attempt = await latestAttempt(ctx.db, payment.id);
  if (!attempt) return { kind: 'observed', result: await observePayment(ctx, { paymentId: payment.id, observed: target, source: target }) };
  const acc = await loadAccount(ctx, attempt.provider_account_id);
  if (!acc) return { kind: 'failure', failure: { ok: false, code: 'PROVIDER_ACCOUNT.NOT_FOUND', retryable: false, message: `account ${attempt.provider_account_id} is gone` } };
  const ref = attempt.provider_reference;
  const order = orderOf(payment, attempt);
  const c = await callAccount(ctx, acc, 'close', (cctx) => acc.connector.close.build(cctx, ref, order), (cctx, res) => acc.connector.close.parse(cctx, ref, res, order));
  if (!c.ok) return { kind: 'failure', failure: c };
  if (c.outcome === 'closed') {
    return { kind: 'observed', result: await observePayment(ctx, { paymentId: payment.id, attemptId: attempt.id, observed: target, source: target }) };
  }
  const q = await queryAttempt(ctx, payment, attempt);
  if (q.kind === 'observed' && !q.result.changed && (q.result.to === 'requires_action' || q.result.to === 'processing')) {
    // Not closable yet not paid (e.g. closed by the provider itself): it is over either way.
    return { kind: 'observed', result: await observePayment(ctx, { paymentId: payment.id, attemptId: attempt.id, observed: target, source: target }) };
  }
  return q;
}
