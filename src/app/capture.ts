/**
 * Capture after approval (PayPal intent CAPTURE). Three triggers race: the
 * CHECKOUT.ORDER.APPROVED webhook, the buyer's return through /pay/{id}/return and the
 * poll. Exactly one capture results because (1) within a process, callers for one payment
 * share one in-flight capture; (2) a payment that is no longer open, or whose attempt is
 * already captured, is never captured again; (3) across processes the PayPal-Request-Id is
 * derived from the reference, so PayPal returns the same capture to a second caller; and
 * (4) observing the same success twice is a no-op in the state table.
 */
import { isTerminal, type PaymentStatus } from '../domain/payment-state.js';
import type { CaptureInput, QueryResult } from '../connectors/types.js';
import type { AppContext } from './context.js';
import { loadAccount } from './accounts.js';
import { callAccount } from './provider-auth.js';
import { observePayment, type ObservationResult } from './payment-transitions.js';

const inflight = new WeakMap<AppContext, Map<string, Promise<ObservationResult | undefined>>>();

export async function captureApproved(ctx: AppContext, paymentId: string): Promise<ObservationResult | undefined> {
  let perCtx = inflight.get(ctx);
  if (!perCtx) inflight.set(ctx, (perCtx = new Map()));
  const running = perCtx.get(paymentId);
  if (running) return running;
  const p = capture(ctx, paymentId).finally(() => perCtx.delete(paymentId));
  perCtx.set(paymentId, p);
  return p;
}

async function capture(ctx: AppContext, paymentId: string): Promise<ObservationResult | undefined> {
  const payment = await ctx.db.selectFrom('payments').selectAll().where('id', '=', paymentId).executeTakeFirst();
  // Canceled or expired: never take the money; the approved order lapses at PayPal.
  if (!payment || isTerminal(payment.status as PaymentStatus)) return undefined;
  const attempt = await ctx.db.selectFrom('attempts').selectAll().where('payment_id', '=', paymentId).orderBy('id', 'desc').executeTakeFirst();
  if (!attempt || attempt.status === 'succeeded' || !attempt.provider_order_id) return undefined;
  const acc = await loadAccount(ctx, attempt.provider_account_id);
  const op = acc?.connector.capture;
  if (!acc || !op) return undefined;
  const input: CaptureInput = { reference: attempt.provider_reference, providerOrderId: attempt.provider_order_id, amount: payment.amount, currency: payment.currency };
  const r = await callAccount(ctx, acc, 'capture', (c) => op.build(c, input), (c, res) => op.parse(c, input, res));
  if (r.ok) {
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
