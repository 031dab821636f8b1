/**
 * Stripe PaymentIntent / Checkout Session / Refund statuses → the state tables' terms.
 * Unknown statuses map to pending (keep asking), never to succeeded.
 */
import type { ProviderPaymentStatus, RefundStatus } from '../types.js';
import { obj, str, type JsonObject } from './http.js';
import { statusLookup } from '../common/status.js';

export const PI_STATUSES = [
  'requires_payment_method', 'requires_confirmation', 'requires_action', 'processing', 'requires_capture', 'canceled', 'succeeded',
] as const;
type PiStatus = (typeof PI_STATUSES)[number];

const PI_MAPPING: Readonly<Record<PiStatus, ProviderPaymentStatus>> = {
  // Waiting for the buyer to enter a card; after a decline it returns here with last_payment_error.
  requires_payment_method: 'pending',
  requires_confirmation: 'processing',
  // 3-D Secure or a redirect in progress.
  requires_action: 'processing',
  processing: 'processing',
  // Authorized only: Paygate never asks for manual capture, so no money is taken yet.
  requires_capture: 'processing',
  canceled: 'failed',
  succeeded: 'succeeded',
};

const piStatus = statusLookup(PI_MAPPING, 'pending');

/**
 * A decline leaves the intent in requires_payment_method with last_payment_error set (and
 * sends payment_intent.payment_failed) while the Checkout Session stays open: the buyer may
 * try another card on the same page. That is not the end of the payment — it stays
 * 'processing' (the buyer engaged) and the decline is recorded (declines.ts); only the
 * session expiring (Stripe's deadline, or Paygate expiring it when it gives up) or the
 * intent being canceled fails it.
 */
export function mapPaymentIntent(pi: JsonObject): ProviderPaymentStatus {
  const status = str(pi, 'status') ?? '';
  if (status === 'requires_payment_method' && obj(pi, 'last_payment_error')) return 'processing';
  return piStatus(status);
}

/** A session without an intent object: status open|complete|expired, payment_status paid|unpaid|no_payment_required. */
export function mapSession(session: JsonObject): ProviderPaymentStatus {
  const status = str(session, 'status');
  const paid = str(session, 'payment_status') === 'paid';
  if (paid) return 'succeeded';
  if (status === 'expired') return 'failed';
  // complete but unpaid: a delayed payment method (bank debit) is still clearing.
  if (status === 'complete') return 'processing';
  return 'pending';
}

export function mapRefund(status: string): RefundStatus {
  switch (status) {
    case 'succeeded': return 'succeeded';
    case 'failed':
    case 'canceled': return 'failed';
    // pending, requires_action and anything new: ask again later.
    default: return 'pending';
  }
}
