/**
 * Refunds made outside Paygate (the provider's dashboard or merchant portal), learnt from a
 * notification or from the provider's refund list. Each becomes a refunds row of origin
 * 'provider'; the guard against counting one twice is the payment's refunds matched by
 * Paygate's refund reference, then by the provider's refund id (unique per payment in the
 * schema), all under the payment row lock. See the contract at the top of disputes.ts.
 */
import { newId } from '../domain/ids.js';
import type { ProviderRefund, VerifiedNotification } from '../connectors/types.js';
import type { Tx } from '../infra/db/index.js';
import { paidAttempts } from '../infra/db/repos/attempts.js';
import { paymentById, updatePayment } from '../infra/db/repos/payments.js';
import { insertRefund, matchingRefund, pendingRefundWithoutProviderId, updateRefund, type Refund } from '../infra/db/repos/refunds.js';
import type { AttemptRow } from '../infra/db/schema.js';
import type { AppContext } from './context.js';
import { loadAccount } from './accounts.js';
import { callAccount } from './provider-auth.js';
import { lockPayment } from './payment-transitions.js';
import { recordEvent } from './outbox.js';
import { refundToApi } from './representations.js';
import { observeRefund } from './refunds.js';
import { locateAttempt, type Applied, type NoticeRejection, type PreparedNotice } from './disputes.js';

type RefundNotice = Extract<VerifiedNotification, { kind: 'refund' }>;
/** Pages of the provider's refund list read per reconciliation (Stripe: 100 a page). */
const MAX_LIST_PAGES = 10;

/** Checks that need no lock for a refund notification without Paygate's refund reference. */
export async function prepareOutsideRefund(ctx: AppContext, accountId: string, v: RefundNotice): Promise<PreparedNotice | NoticeRejection> {
  if (!v.providerRefundId && v.refundedTotal !== undefined) {
    // Only the provider's running total (Stripe charge.refunded without its refunds list): nothing to record from it; the caller reconciles.
    const attempt = await locateAttempt(ctx, accountId, { reference: v.reference, providerTransactionId: v.providerTransactionId });
    if (!attempt) return { ok: false, code: 'NOTIFY.UNKNOWN_ORDER', message: `refunds of ${v.reference || v.providerTransactionId || '?'}, which account ${accountId} never created` };
    return { ok: true, paymentId: attempt.payment_id, attempt, apply: () => Promise.resolve({ changed: false }) };
  }
  if (!v.providerRefundId) return { ok: false, code: 'NOTIFY.MALFORMED', message: `refund of order ${v.reference || v.providerTransactionId || '?'} made outside Paygate carries no provider refund id` };
  const attempt = await locateAttempt(ctx, accountId, { reference: v.reference, providerTransactionId: v.providerTransactionId });
  if (!attempt) return { ok: false, code: 'NOTIFY.UNKNOWN_ORDER', message: `refund ${v.providerRefundId} is about ${v.reference || v.providerTransactionId || '?'}, which account ${accountId} never created` };
  const payment = await paymentById(ctx.db, attempt.payment_id);
  if (!payment) throw new Error(`attempt ${attempt.id} has no payment ${attempt.payment_id}`);
  if (v.currency !== payment.currency || !Number.isSafeInteger(v.amount) || v.amount <= 0) {
    return { ok: false, code: 'NOTIFY.AMOUNT_MISMATCH', message: `refund ${v.providerRefundId} of ${v.amount} ${v.currency} on payment ${payment.id} (${payment.currency})`, paymentId: payment.id };
  }
  const refund: ProviderRefund = { providerRefundId: v.providerRefundId, amount: v.amount, currency: v.currency, status: v.status, providerStatus: v.providerStatus };
  return { ok: true, paymentId: payment.id, attempt, apply: (trx) => recordProviderRefund(ctx, trx, attempt, refund) };
}

/**
 * One refund as the provider knows it, applied under the payment row lock in `trx`: a refund
 * Paygate already has (by its reference, or by the provider's id) moves by the refund state
 * table only; an unknown one is inserted as origin 'provider' and, when succeeded, raises
 * amount_refunded — never above the payment amount.
 */
export async function recordProviderRefund(ctx: AppContext, trx: Tx, attempt: AttemptRow, r: ProviderRefund): Promise<Applied> {
  const now = ctx.now();
  const payment = await lockPayment(ctx, trx, attempt.payment_id);
  if (!payment) return { changed: false };
  const reject = (code: NoticeRejection['code'], message: string): Applied => ({ reject: { ok: false, code, message, paymentId: payment.id } });
  const mine = payment.id;
  const known = await matchingRefund(trx, mine, r.providerRefundId, r.refundReference);
  if (known) {
    if (known.amount !== r.amount || known.currency !== r.currency) return reject('NOTIFY.AMOUNT_MISMATCH', `provider refund ${r.providerRefundId} of ${r.amount} ${r.currency}, refund ${known.id} is ${known.amount} ${known.currency}`);
    if (known.status === 'pending' && r.status !== 'pending') return { changed: await observeRefund(ctx, trx, known.id, { status: r.status, providerRefundId: r.providerRefundId, failureReason: r.providerStatus }) };
    if (known.provider_refund_id === null) await updateRefund(trx, known.id, { provider_refund_id: r.providerRefundId }, { noProviderId: true });
    return { changed: false };
  }
  if (r.refundReference !== undefined) {
    // The provider names a Paygate refund key this payment does not have: not ours to invent.
    return reject('NOTIFY.UNKNOWN_ORDER', `provider refund ${r.providerRefundId} names refund reference ${r.refundReference}, unknown on payment ${mine}`);
  }
  // One of our own refunds the provider has not yet given an id for could be this very one.
  const twin = await pendingRefundWithoutProviderId(trx, mine, r.amount);
  if (twin) return reject('NOTIFY.REFUND_AMBIGUOUS', `provider refund ${r.providerRefundId} of ${r.amount} may be Paygate's pending refund ${twin.id}; settled once that refund's provider id is known`);
  if (r.currency !== payment.currency) return reject('NOTIFY.AMOUNT_MISMATCH', `provider refund ${r.providerRefundId} is in ${r.currency}, payment ${mine} in ${payment.currency}`);
  if (r.status !== 'failed' && payment.amount_refunded + r.amount > payment.amount) {
    ctx.log.error({ payment_id: mine, provider_refund_id: r.providerRefundId, amount: r.amount, amount_refunded: payment.amount_refunded, payment_amount: payment.amount }, 'provider reports a refund beyond the paid amount; not recorded');
    return reject('NOTIFY.AMOUNT_MISMATCH', `provider refund ${r.providerRefundId} of ${r.amount} would bring payment ${mine} to ${payment.amount_refunded + r.amount} refunded of ${payment.amount}`);
  }
  const id = newId('re', now);
  const row: Refund = {
    id, merchant_id: payment.merchant_id, payment_id: mine, attempt_id: attempt.id, amount: r.amount, currency: r.currency, status: r.status,
    reason: null, provider_reference: id, provider_refund_id: r.providerRefundId, failure_reason: r.status === 'failed' ? r.providerStatus : null,
    created_at: now, updated_at: now, origin: 'provider',
  };
  await insertRefund(trx, row);
  if (r.status === 'succeeded') await updatePayment(trx, mine, { amount_refunded: payment.amount_refunded + r.amount, updated_at: now });
  // Merchants hear of it like of their own refunds; a pending one is announced when it settles (observeRefund).
  if (r.status !== 'pending') await recordEvent(trx, { merchantId: payment.merchant_id, type: `refund.${r.status}`, objectId: id, data: refundToApi(row) }, now);
  ctx.log.info({ payment_id: mine, refund_id: id, provider_refund_id: r.providerRefundId, amount: r.amount, status: r.status }, 'refund made outside Paygate recorded');
  return { changed: true };
}

/**
 * The provider says more was refunded than Paygate has recorded: ask it for the payment's
 * refunds (when the connector can list them) and record the ones Paygate does not know.
 * Best effort after the notification is settled: a failure is logged; the next event retries.
 */
export async function reconcileRefunds(ctx: AppContext, paymentId: string, refundedTotal: number): Promise<boolean> {
  const payment = await paymentById(ctx.db, paymentId);
  if (!payment || refundedTotal <= payment.amount_refunded) return false;
  const [attempt] = await paidAttempts(ctx.db, paymentId);
  const acc = attempt ? await loadAccount(ctx, attempt.provider_account_id) : undefined;
  const lister = acc?.connector.listRefunds;
  if (!attempt || !acc || !lister) {
    ctx.log.warn({ payment_id: paymentId, refunded_total: refundedTotal, amount_refunded: payment.amount_refunded }, 'provider reports more refunded than Paygate knows and cannot list its refunds');
    return false;
  }
  const order = {
    reference: attempt.provider_reference, amount: payment.amount, currency: payment.currency,
    ...(attempt.provider_transaction_id ? { providerTransactionId: attempt.provider_transaction_id } : {}),
    ...(attempt.provider_order_id ? { providerOrderId: attempt.provider_order_id } : {}),
  };
  let changed = false;
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const at = cursor;
    const listed = await callAccount(ctx, acc, 'list_refunds', (cctx) => lister.build(cctx, order, at), (cctx, res) => lister.parse(cctx, order, res));
    if (!listed.ok) {
      ctx.log.warn({ payment_id: paymentId, code: listed.code, reason: listed.message }, 'could not list the provider\'s refunds');
      break;
    }
    for (const r of listed.refunds) {
      const out = await ctx.db.transaction().execute((trx) => recordProviderRefund(ctx, trx, attempt, r));
      if ('reject' in out) ctx.log.warn({ payment_id: paymentId, provider_refund_id: r.providerRefundId, code: out.reject.code, reason: out.reject.message }, 'listed provider refund not recorded');
      else changed ||= out.changed;
    }
    cursor = listed.nextCursor;
    if (!cursor) break;
  }
  if (changed) ctx.kickJobs();
  return changed;
}
