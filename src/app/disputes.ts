/**
 * Disputes, reversals and refunds made outside Paygate (issue 12): the app side, for every
 * provider. Connectors only translate the provider's events into the values below; finding
 * the payment, the state table, the money, the events and the idempotency are done here.
 *
 * ── CONTRACT FOR CONNECTORS (verifyNotification results; helpers D and E match this) ──
 *
 * Locating the payment (both kinds). Within the notifying account only, the app tries, in
 * order: `reference` = attempts.provider_reference (what Paygate sent: out_trade_no, PayPal
 * custom_id/invoice_id, Stripe metadata.paygate_reference); then `providerTransactionId`
 * against attempts.provider_transaction_id (Stripe pi_…, PayPal capture id, Alipay trade_no,
 * WeChat transaction_id), then against attempts.provider_order_id (PayPal order id, Stripe
 * cs_…). Give whichever the event carries (both when it carries both); nothing found →
 * NOTIFY.UNKNOWN_ORDER. An outside refund whose event has no reference passes reference ''.
 *
 * kind 'dispute' — one value per provider event about a dispute or a reversal:
 *   notificationId        the provider's event id, equal across its retries.
 *   providerDisputeId     stable across ALL events of the same dispute (row key with the
 *                         provider): Stripe du_/dp_, PayPal PP-D-…; a reversal without a
 *                         dispute uses the reversal's own id (PayPal: the reversed capture id).
 *   disputeKind           'dispute' (the buyer contests; may be won) | 'reversal' (the
 *                         provider took the money back; nothing to contest).
 *   status                'open' | 'won' | 'lost', from a table mapping EVERY provider status
 *                         (unknown → 'open'). A reversal is 'lost' (money gone).
 *   providerStatus        the provider's raw status (shown as provider_status).
 *   amount, currency      the disputed amount, integer minor units, in the payment's currency;
 *                         1 ≤ amount ≤ payment amount, else NOTIFY.AMOUNT_MISMATCH.
 *   reason                the provider's raw reason code, when it gives one.
 *   The app keeps one row per (provider, providerDisputeId); closed (won/lost) rows never
 *   change again, open → open only refreshes provider_status/reason/amount (no event).
 *   Events: a row seen for the first time → payment.disputed; a dispute reaching won/lost
 *   (also when first seen already closed) → dispute.closed. payments.disputed is 1 while any
 *   row is open or lost, 0 when every row is won. A lost dispute or a reversal does NOT
 *   change amount_refunded (that counts refunds only); it lowers what may still be refunded.
 *
 * kind 'refund' WITHOUT refundReference — a refund made outside Paygate (dashboard, portal):
 *   Set refundReference whenever the provider echoes Paygate's refund key (out_refund_no,
 *   out_request_no, Stripe metadata.paygate_refund): only then is it matched to our refund.
 *   providerRefundId      REQUIRED and stable (Stripe re_…, PayPal refund id, WeChat
 *                         refund_id, Alipay: the refund's out_request_no / id); the guard
 *                         against double counting is the unique (payment_id, provider_refund_id).
 *   amount, currency      THIS refund's amount (not the running total) in the payment's currency.
 *   status                pending | succeeded | failed (same refund state table as ours).
 *   providerTransactionId optional, for locating the payment (see above).
 *   refundedTotal         optional: the provider's cumulative refunded amount for the payment
 *                         when the event states it (Stripe charge.amount_refunded, PayPal
 *                         total_refunded_amount, Alipay refund_fee). When it exceeds what Paygate
 *                         has recorded and the connector has listRefunds, the app calls it and
 *                         adds the refunds it does not know. May also ride on a refund that HAS
 *                         a refundReference.
 *   The app matches providerRefundId against the payment's refunds first (ours included), so
 *   a repeat or a second event about a known refund changes nothing; otherwise it inserts a
 *   refunds row of origin 'provider' and, when succeeded, raises amount_refunded once and
 *   emits refund.succeeded (refund.failed when failed; no event while pending). Would
 *   amount_refunded exceed the payment amount → logged as an error, NOTIFY.AMOUNT_MISMATCH,
 *   nothing written.
 *
 * listRefunds (optional port member): every refund of the order, each with refundReference
 * when it was made through Paygate (same rule as above), amounts per refund.
 */
import type { ErrorCode } from '../domain/errors.js';
import { PaygateError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { disputeEventsFor, isDisputeKind, isDisputeStatus, nextDisputeStatus, paymentDisputed, type DisputeStatus } from '../domain/dispute-state.js';
import type { VerifiedNotification } from '../connectors/types.js';
import type { Tx } from '../infra/db/index.js';
import { attemptByProviderId, attemptByReference } from '../infra/db/repos/attempts.js';
import { disputeByProviderId, disputeOfMerchant, disputesOfPayments, insertDispute, listDisputes as pageOfDisputes, updateDispute, type Dispute } from '../infra/db/repos/disputes.js';
import { paymentById, updatePayment } from '../infra/db/repos/payments.js';
import type { AttemptRow } from '../infra/db/schema.js';
import type { AppContext } from './context.js';
import { lockPayment } from './payment-transitions.js';
import { recordEvent } from './outbox.js';
import { disputeToApi } from './representations.js';

export type DisputeNotice = Extract<VerifiedNotification, { kind: 'dispute' }>;

/** A check failed before anything was written: the caller rejects the notification with this code. */
export interface NoticeRejection { ok: false; code: ErrorCode; message: string; paymentId?: string }
/** What applying a notice inside the caller's transaction did; a rejection here has written nothing. */
export type Applied = { changed: boolean } | { reject: NoticeRejection };
/** The notice passed every check that needs no lock: `apply` runs it in the caller's transaction. */
export interface PreparedNotice { ok: true; paymentId: string; attempt: AttemptRow; apply(trx: Tx): Promise<Applied> }

/** The attempt a provider event is about, within the notifying account only (see the contract above). */
export async function locateAttempt(ctx: AppContext, accountId: string, ids: { reference?: string | undefined; providerTransactionId?: string | undefined }): Promise<AttemptRow | undefined> {
  if (ids.reference) {
    const a = await attemptByReference(ctx.db, accountId, ids.reference);
    if (a) return a;
  }
  return ids.providerTransactionId ? attemptByProviderId(ctx.db, accountId, ids.providerTransactionId) : undefined;
}

/** Checks that need no lock: the payment exists on this account, the amount fits it, the values are what the contract allows. */
export async function prepareDispute(ctx: AppContext, accountId: string, provider: string, v: DisputeNotice): Promise<PreparedNotice | NoticeRejection> {
  const attempt = await locateAttempt(ctx, accountId, v);
  const about = v.reference ?? v.providerTransactionId ?? '?';
  if (!attempt) return { ok: false, code: 'NOTIFY.UNKNOWN_ORDER', message: `dispute ${v.providerDisputeId} is about ${about}, which account ${accountId} never created` };
  const payment = await paymentById(ctx.db, attempt.payment_id);
  if (!payment) throw new Error(`attempt ${attempt.id} has no payment ${attempt.payment_id}`);
  if (!isDisputeKind(v.disputeKind) || !isDisputeStatus(v.status) || !v.providerDisputeId) {
    return { ok: false, code: 'NOTIFY.MALFORMED', message: `dispute ${v.providerDisputeId} has kind ${String(v.disputeKind)} / status ${String(v.status)}`, paymentId: payment.id };
  }
  if (v.currency !== payment.currency || !Number.isSafeInteger(v.amount) || v.amount <= 0 || v.amount > payment.amount) {
    return { ok: false, code: 'NOTIFY.AMOUNT_MISMATCH', message: `dispute ${v.providerDisputeId} of ${v.amount} ${v.currency}, payment ${payment.id} is ${payment.amount} ${payment.currency}`, paymentId: payment.id };
  }
  return { ok: true, paymentId: payment.id, attempt, apply: (trx) => applyDispute(ctx, trx, provider, attempt, v) };
}

/**
 * Under the payment row lock: insert or move the dispute row by the state table, set the
 * payment's disputed flag from all its disputes, and record the events — all in `trx`.
 */
export async function applyDispute(ctx: AppContext, trx: Tx, provider: string, attempt: AttemptRow, v: DisputeNotice): Promise<Applied> {
  const now = ctx.now();
  const payment = await lockPayment(ctx, trx, attempt.payment_id);
  if (!payment) return { changed: false };
  const existing = await disputeByProviderId(trx, provider, v.providerDisputeId);
  if (existing && existing.payment_id !== payment.id) {
    return { reject: { ok: false, code: 'NOTIFY.UNKNOWN_ORDER', message: `dispute ${v.providerDisputeId} belongs to payment ${existing.payment_id}, not ${payment.id}`, paymentId: payment.id } };
  }
  let previous: DisputeStatus | null = null;
  let row: Dispute;
  if (!existing) {
    row = {
      id: newId('dsp', now), merchant_id: payment.merchant_id, payment_id: payment.id, attempt_id: attempt.id, provider, provider_dispute_id: v.providerDisputeId,
      kind: v.disputeKind, status: v.status, amount: v.amount, currency: v.currency, reason: v.reason ?? null, provider_status: v.providerStatus,
      created_at: now, updated_at: now, closed_at: v.status === 'open' ? null : now,
    };
    await insertDispute(trx, row);
  } else {
    previous = existing.status;
    const next = nextDisputeStatus(existing.status, v.status);
    if (next === null) {
      // Still open with news (evidence submitted, amount adjusted): keep the row current, tell no one.
      // Closed rows stay exactly as decided.
      const fresh = { provider_status: v.providerStatus, reason: v.reason ?? existing.reason, amount: v.amount };
      const differs = fresh.provider_status !== existing.provider_status || fresh.reason !== existing.reason || fresh.amount !== existing.amount;
      if (existing.status !== 'open' || v.status !== 'open' || !differs) return { changed: false };
      await updateDispute(trx, existing.id, { ...fresh, updated_at: now }, 'open');
      return { changed: true };
    }
    const written = await updateDispute(trx, existing.id, { status: next, provider_status: v.providerStatus, reason: v.reason ?? existing.reason, amount: v.amount, updated_at: now, closed_at: now }, existing.status);
    if (!written) return { changed: false };
    row = { ...existing, status: next, provider_status: v.providerStatus, reason: v.reason ?? existing.reason, amount: v.amount, updated_at: now, closed_at: now };
  }
  await syncDisputedFlag(trx, payment.id, payment.disputed ?? 0, now);
  for (const type of disputeEventsFor(row.kind, previous, row.status)) {
    await recordEvent(trx, { merchantId: payment.merchant_id, type, objectId: row.id, data: disputeToApi(row) }, now);
  }
  const level = row.status === 'won' ? 'info' : 'warn';
  ctx.log[level]({ payment_id: payment.id, dispute_id: row.id, provider_dispute_id: row.provider_dispute_id, kind: row.kind, status: row.status, amount: row.amount }, previous === null ? 'payment disputed' : `dispute ${row.status}`);
  return { changed: true };
}

/** payments.disputed follows every dispute of the payment: 1 while any is open or lost. */
async function syncDisputedFlag(trx: Tx, paymentId: string, current: number, now: number): Promise<void> {
  const rows = await disputesOfPayments(trx, [paymentId]);
  const flag = paymentDisputed(rows.map((r) => r.status)) ? 1 : 0;
  if (flag !== current) await updatePayment(trx, paymentId, { disputed: flag, updated_at: now });
}

export type DisputeApi = ReturnType<typeof disputeToApi>;

/** The disputes of one payment, oldest first (the payment representation carries them). */
export async function disputesOf(ctx: AppContext, paymentIds: readonly string[]): Promise<Dispute[]> {
  return disputesOfPayments(ctx.db, paymentIds);
}

export async function getDispute(ctx: AppContext, merchantId: string, id: string): Promise<DisputeApi> {
  const d = await disputeOfMerchant(ctx.db, merchantId, id);
  if (!d) throw new PaygateError('DISPUTE.NOT_FOUND', `no dispute ${id}`);
  return disputeToApi(d);
}

export async function listDisputes(ctx: AppContext, merchantId: string, q: { payment_id?: string | undefined; status?: string | undefined; limit: number; starting_after?: string | undefined }) {
  const rows = await pageOfDisputes(ctx.db, merchantId, { paymentId: q.payment_id, status: q.status, startingAfter: q.starting_after, limit: q.limit });
  return { object: 'list' as const, data: rows.slice(0, q.limit).map(disputeToApi), has_more: rows.length > q.limit };
}
