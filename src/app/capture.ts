/**
 * Capture after approval (PayPal intent CAPTURE). Three triggers race: the
 * CHECKOUT.ORDER.APPROVED webhook, the buyer's return through /pay/{id}/return and the
 * poll. Exactly one capture results because (1) within a process, callers for one payment
 * share one in-flight capture (ctx.captures); (2) a payment that is no longer open, or whose attempt is
 * already captured, is never captured again; (3) across processes the PayPal-Request-Id is
 * derived from the reference, so PayPal returns the same capture to a second caller; and
 * (4) observing the same success twice is a no-op in the state table.
 *
 * Approval rounds: a 422 INSTRUMENT_DECLINED leaves the order APPROVED and PayPal's answer
 * is to send the buyer back to approve again with another funding source. PayPal caches
 * answers by PayPal-Request-Id, so that second approval must be captured under a new id
 * (CaptureInput.round) or it would get the cached 422 forever. The round advances only on
 * evidence of a new approval — a first-seen CHECKOUT.ORDER.APPROVED event or the buyer's
 * return from PayPal ('approval') — never on a poll, which cannot tell the old approval
 * from a new one and would otherwise charge the declined instrument again and again; the
 * payment stays open with the decline recorded until the buyer approves again or it expires.
 * The conditional updates make every node agree on the round: two racing approvals advance
 * it once, and both then capture under the same id.
 */
import { isTerminal } from '../domain/payment-state.js';
import type { CaptureInput, QueryResult } from '../connectors/types.js';
import { attemptById, latestAttempt, updateCaptureRound } from '../infra/db/repos/attempts.js';
import { paymentById } from '../infra/db/repos/payments.js';
import type { AppContext } from './context.js';
import { loadAccount } from './accounts.js';
import { callAccount } from './provider-auth.js';
import { observePayment, type ObservationResult } from './payment-transitions.js';

/** What asks for the capture: evidence of a (possibly new) approval, or a poll / refresh that only saw the order APPROVED. */
export type CaptureTrigger = 'approval' | 'poll';

export async function captureApproved(ctx: AppContext, paymentId: string, trigger: CaptureTrigger): Promise<ObservationResult | undefined> {
  return ctx.captures.run(paymentId, () => capture(ctx, paymentId, trigger));
}

async function capture(ctx: AppContext, paymentId: string, trigger: CaptureTrigger): Promise<ObservationResult | undefined> {
  const payment = await paymentById(ctx.db, paymentId);
  // Canceled or expired: never take the money; the approved order lapses at PayPal.
  if (!payment || isTerminal(payment.status)) return undefined;
  const attempt = await latestAttempt(ctx.db, paymentId);
  if (!attempt || attempt.status === 'succeeded' || !attempt.provider_order_id) return undefined;
  const acc = await loadAccount(ctx, attempt.provider_account_id);
  const op = acc?.connector.capture;
  if (!acc || !op) return undefined;
  const round = await roundToCapture(ctx, attempt.id, attempt.capture_round ?? 0, attempt.capture_declined_round ?? null, trigger);
  if (round === undefined) return undefined;
  const input: CaptureInput = { reference: attempt.provider_reference, providerOrderId: attempt.provider_order_id, amount: payment.amount, currency: payment.currency, round };
  const r = await callAccount(ctx, acc, 'capture', (c) => op.build(c, input), (c, res) => op.parse(c, input, res));
  if (r.ok) {
    if (r.decline && r.status !== 'failed' && r.status !== 'succeeded') {
      // Retryable decline: this round is spent; the next approval gets the next one.
      await updateCaptureRound(ctx.db, attempt.id, round, { capture_declined_round: round });
    }
    return observePayment(ctx, { paymentId, attemptId: attempt.id, observed: r.status, source: 'capture', ...(r.providerTransactionId ? { providerTransactionId: r.providerTransactionId } : {}), ...(r.decline ? { decline: r.decline } : {}) });
  }
  if (r.providerCode !== 'ORDER_ALREADY_CAPTURED') {
    ctx.log.warn({ payment_id: paymentId, code: r.code, provider_code: r.providerCode, reason: r.message }, 'capture failed; the poll will try again');
    return undefined;
  }
  // Captured by someone else (another node with a lost answer): learn the capture from the order.
  const order = { amount: payment.amount, currency: payment.currency, providerOrderId: attempt.provider_order_id };
  const q: QueryResult = await callAccount(ctx, acc, 'query', (c) => acc.connector.query.build(c, attempt.provider_reference, order), (c, res) => acc.connector.query.parse(c, attempt.provider_reference, payment.currency, res, order));
  if (!q.ok || q.status !== 'succeeded' || (q.amount !== undefined && q.amount !== payment.amount)) return undefined;
  return observePayment(ctx, { paymentId, attemptId: attempt.id, observed: 'succeeded', source: 'capture', ...(q.providerTransactionId ? { providerTransactionId: q.providerTransactionId } : {}) });
}

/**
 * The round to capture in, or undefined to wait. While the current round is declined, only
 * an approval moves to the next round (a compare-and-set on capture_round, so that racing
 * nodes advance it once); a poll waits for the buyer.
 */
async function roundToCapture(ctx: AppContext, attemptId: string, round: number, declinedRound: number | null, trigger: CaptureTrigger): Promise<number | undefined> {
  if (declinedRound !== round) return round;
  if (trigger === 'poll') return undefined;
  await updateCaptureRound(ctx.db, attemptId, round, { capture_round: round + 1 });
  const now = await attemptById(ctx.db, attemptId);
  if (!now || now.capture_declined_round === now.capture_round) return undefined;
  return now.capture_round;
}
