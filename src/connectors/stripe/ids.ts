/**
 * Which Stripe object ids Paygate holds for an attempt. The create answer gives the Checkout
 * Session id (cs_); the PaymentIntent id (pi_) is learned when the buyer pays. The app
 * stores them in the attempt's provider ids, so either may arrive in either field.
 */
import type { CloseOrder } from '../types.js';

export interface StripeIds {
  sessionId?: string;
  paymentIntentId?: string;
}

const SESSION = /^cs_[A-Za-z0-9_]{1,250}$/;
const INTENT = /^pi_[A-Za-z0-9_]{1,250}$/;

export function stripeIds(...candidates: Array<string | undefined>): StripeIds {
  const ids: StripeIds = {};
  for (const c of candidates) {
    if (c === undefined) continue;
    if (!ids.sessionId && SESSION.test(c)) ids.sessionId = c;
    if (!ids.paymentIntentId && INTENT.test(c)) ids.paymentIntentId = c;
  }
  return ids;
}

export const idsOf = (order?: CloseOrder): StripeIds => stripeIds(order?.providerOrderId, order?.providerTransactionId);

export const isPaymentIntentId = (s: string): boolean => INTENT.test(s);

/** Stable per logical operation, so retries replay Stripe's stored answer (keys live 24 h at Stripe). */
export const idempotencyKey = (operation: 'create' | 'close' | 'refund', reference: string): string => `paygate-${operation}-${reference}`;
