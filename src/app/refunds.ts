/**
 * Refunds. The refundable check and the insert of the pending refund happen in one
 * transaction holding the payment row lock, so 20 concurrent partial refunds can never
 * reserve more than was paid. The provider call happens after commit, with the refund id
 * as the provider's idempotency key (Alipay out_request_no), so a retry never refunds twice.
 * Refunds made outside Paygate are recorded by outside-refunds.ts.
 */
import { PaygateError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { nextRefundStatus, refundableAmount, type RefundStatus } from '../domain/refund-state.js';
import { lostAmount } from '../domain/dispute-state.js';
import type { DbOrTx, Tx } from '../infra/db/index.js';
import { attemptById, paidAttempts } from '../infra/db/repos/attempts.js';
import { disputesOfPayments } from '../infra/db/repos/disputes.js';
import { paymentById, updatePayment } from '../infra/db/repos/payments.js';
import { insertRefund, listRefunds as pageOfRefunds, refundById, refundOfMerchant, refundsOfPayment, updateRefund, type Refund } from '../infra/db/repos/refunds.js';
import { cancel as cancelJobs, enqueue } from '../infra/jobs/queue.js';
import type { RefundInput, RefundResult } from '../connectors/types.js';
import type { AppContext } from './context.js';
import { loadAccount } from './accounts.js';
import { callAccount } from './provider-auth.js';
import { lockPayment } from './payment-transitions.js';
import { recordEvent } from './outbox.js';
import { refundToApi } from './representations.js';
import { REFUND_SYNC_DELAYS_S } from './schedule.js';

export type RefundApi = ReturnType<typeof refundToApi>;

async function refundOrThrow(db: DbOrTx, id: string): Promise<Refund> {
  const r = await refundById(db, id);
  if (!r) throw new Error(`refund ${id} vanished`);
  return r;
}

export async function createRefund(ctx: AppContext, merchantId: string, input: { payment_id: string; amount?: number | undefined; reason?: string | undefined }): Promise<RefundApi> {
  const now = ctx.now();
  const refund = await ctx.db.transaction().execute(async (trx) => {
    const payment = await lockPayment(ctx, trx, input.payment_id);
    if (!payment || payment.merchant_id !== merchantId) throw new PaygateError('PAYMENT.NOT_FOUND', `no payment ${input.payment_id}`, { field: 'payment_id' });
    if (payment.status !== 'succeeded' && payment.status !== 'conflict') {
      throw new PaygateError('REFUND.PAYMENT_NOT_REFUNDABLE', `payment ${payment.id} is ${payment.status}; only succeeded payments can be refunded`);
    }
    // A contested payment cannot be refunded (the providers refuse: Stripe charge_disputed); what a lost dispute or a reversal took back is gone already.
    const disputes = await disputesOfPayments(trx, [payment.id]);
    const open = disputes.find((d) => d.status === 'open');
    if (open) throw new PaygateError('REFUND.PAYMENT_DISPUTED', `payment ${payment.id} has an open dispute ${open.id}; answer it at the provider, refund after it is decided`, { details: { dispute_id: open.id } });
    const existing = await refundsOfPayment(trx, payment.id);
    const refundable = refundableAmount(Math.max(0, payment.amount - lostAmount(disputes)), existing);
    const amount = input.amount ?? refundable;
    if (amount <= 0 || amount > refundable) {
      throw new PaygateError('REFUND.AMOUNT_EXCEEDS_REFUNDABLE', `at most ${refundable} can still be refunded on ${payment.id} (pending and succeeded refunds count)`, { field: 'amount', details: { refundable } });
    }
    const [attempt] = await paidAttempts(trx, payment.id);
    if (!attempt) throw new PaygateError('REFUND.PAYMENT_NOT_REFUNDABLE', `payment ${payment.id} has no paid attempt`);
    const id = newId('re', now);
    const row: Refund = {
      id, merchant_id: merchantId, payment_id: payment.id, attempt_id: attempt.id, amount, currency: payment.currency,
      status: 'pending', reason: input.reason ?? null, provider_reference: id, provider_refund_id: null, failure_reason: null,
      created_at: now, updated_at: now, origin: 'paygate',
    };
    await insertRefund(trx, row);
    // If this process dies before the provider answers, the sync job submits again (same out_request_no).
    await enqueue(trx, { kind: 'sync_refund', refId: id, runAt: now + REFUND_SYNC_DELAYS_S[0]! * 1000 * ctx.timeScale, payload: { n: 0, phase: 'submit' } }, now);
    return row;
  });
  await submitRefund(ctx, refund.id, 'submit');
  return refundToApi(await refundOrThrow(ctx.db, refund.id));
}

/** Sends the refund (or asks about it) and applies the answer. Returns the refund's status afterwards. */
export async function submitRefund(ctx: AppContext, refundId: string, phase: 'submit' | 'query'): Promise<RefundStatus> {
  const refund = await refundById(ctx.db, refundId);
  if (!refund) return 'failed';
  if (refund.status !== 'pending') return refund.status;
  const attempt = await attemptById(ctx.db, refund.attempt_id);
  if (!attempt) throw new Error(`refund ${refund.id} has no attempt ${refund.attempt_id}`);
  const acc = await loadAccount(ctx, attempt.provider_account_id);
  if (!acc) return 'pending';
  const payment = await paymentById(ctx.db, refund.payment_id);
  if (!payment) throw new Error(`refund ${refund.id} has no payment ${refund.payment_id}`);
  const input: RefundInput = { reference: attempt.provider_reference, refundReference: refund.provider_reference, amount: refund.amount, currency: refund.currency, paymentAmount: payment.amount, ...(attempt.provider_transaction_id ? { providerTransactionId: attempt.provider_transaction_id } : {}), ...(refund.reason ? { reason: refund.reason } : {}) };
  const op = phase === 'submit' ? acc.connector.refund : acc.connector.refundQuery;
  const result = await callAccount(ctx, acc, phase === 'submit' ? 'refund' : 'refund_query', (cctx) => op.build(cctx, input), (cctx, res) => op.parse(cctx, input, res));
  return applyRefundResult(ctx, refund.id, result);
}

async function applyRefundResult(ctx: AppContext, refundId: string, result: RefundResult): Promise<RefundStatus> {
  if (!result.ok || result.status === 'pending') return 'pending';
  const observed = { status: result.status, ...(result.providerRefundId ? { providerRefundId: result.providerRefundId } : {}), ...(result.failureReason ? { failureReason: result.failureReason } : {}) };
  const changed = await ctx.db.transaction().execute((trx) => observeRefund(ctx, trx, refundId, observed));
  if (changed) ctx.kickJobs();
  return result.status;
}

export interface RefundObservation { status: RefundStatus; providerRefundId?: string; failureReason?: string }

/**
 * The refund counterpart of observePayment: under the payment row lock, ask the refund state
 * table, write the refund, the payment's refunded total and the event in the caller's
 * transaction. Returns whether anything changed (false for duplicates and stale news).
 */
export async function observeRefund(ctx: AppContext, trx: Tx, refundId: string, obs: RefundObservation): Promise<boolean> {
  const now = ctx.now();
  const found = await refundById(trx, refundId);
  if (!found) return false;
  const payment = await lockPayment(ctx, trx, found.payment_id);
  if (!payment) return false;
  // Read after the lock: a concurrent observer may have just finished this refund.
  const refund = await refundOrThrow(trx, refundId);
  const next = nextRefundStatus(refund.status, obs.status);
  if (next === null) return false;
  const written = await updateRefund(trx, refund.id, { status: next, updated_at: now, provider_refund_id: obs.providerRefundId ?? refund.provider_refund_id, failure_reason: next === 'failed' ? (obs.failureReason ?? 'refused by provider') : null }, { status: 'pending' });
  if (!written) return false;
  if (next === 'succeeded') await updatePayment(trx, payment.id, { amount_refunded: payment.amount_refunded + refund.amount, updated_at: now });
  const after = await refundOrThrow(trx, refund.id);
  await recordEvent(trx, { merchantId: refund.merchant_id, type: `refund.${next}`, objectId: refund.id, data: refundToApi(after) }, now);
  await cancelJobs(trx, 'sync_refund', refund.id);
  return true;
}

export async function getRefund(ctx: AppContext, merchantId: string, id: string): Promise<RefundApi> {
  const r = await refundOfMerchant(ctx.db, merchantId, id);
  if (!r) throw new PaygateError('REFUND.NOT_FOUND', `no refund ${id}`);
  return refundToApi(r);
}

export async function listRefunds(ctx: AppContext, merchantId: string, q: { payment_id?: string | undefined; limit: number; starting_after?: string | undefined }) {
  const rows = await pageOfRefunds(ctx.db, merchantId, { paymentId: q.payment_id, startingAfter: q.starting_after, limit: q.limit });
  return { object: 'list' as const, data: rows.slice(0, q.limit).map(refundToApi), has_more: rows.length > q.limit };
}
