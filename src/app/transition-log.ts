/**
 * Log lines for payments reaching an end: info for the ordinary ends, error for `conflict`
 * (money taken on a payment Paygate had already ended: an operator must refund or reconcile
 * it, and nobody reads metrics on the first day). Called inside observePayment's transaction,
 * so a line may precede a rollback; the rows stay the record, this is the alert.
 */
import { isTerminal, type PaymentStatus } from '../domain/payment-state.js';
import type { PaymentRow } from '../infra/db/schema.js';
import type { AppContext } from './context.js';

export function logPaymentEnd(ctx: AppContext, payment: PaymentRow, to: PaymentStatus, source: string, attemptId: string | undefined): void {
  if (!isTerminal(to)) return;
  const fields = {
    payment_id: payment.id, merchant_id: payment.merchant_id, provider: payment.provider, method: payment.method,
    amount: payment.amount, currency: payment.currency, from: payment.status, to, source, attempt_id: attemptId ?? null,
  };
  if (to === 'conflict') ctx.log.error(fields, `payment ${payment.id} is in conflict: the provider reports it paid after it was ${payment.status}; refund or reconcile it`);
  else ctx.log.info(fields, `payment ${to}`);
}
