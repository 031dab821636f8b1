/**
 * charge.dispute.* events: the Dispute object (dp_ / du_ ids) → the port's 'dispute' value.
 * Every Stripe dispute status is mapped in one table; a status Stripe adds tomorrow maps to
 * open (still contested), never to won. The dispute names the PaymentIntent, which is the
 * attempt's provider_transaction_id; it carries no Paygate metadata of its own.
 */
import type { DisputeStatus, VerifiedNotification } from '../types.js';
import { fromStripeCurrency } from './amount.js';
import { int, obj, str, type JsonObject } from './http.js';
import { statusLookup } from '../common/status.js';

/** Statuses listed by stripe-node's Dispute.Status (and the API reference). */
export const STRIPE_DISPUTE_STATUSES = [
  'warning_needs_response', 'warning_under_review', 'warning_closed', 'needs_response', 'under_review',
  'appeal_needs_response', 'appeal_under_review', 'won', 'lost', 'prevented',
] as const;
type StripeDisputeStatus = (typeof STRIPE_DISPUTE_STATUSES)[number];

const DISPUTE_MAPPING: Readonly<Record<StripeDisputeStatus, DisputeStatus>> = {
  // Inquiries (early fraud warnings from the issuer): no money moved yet, but the buyer contests.
  warning_needs_response: 'open',
  warning_under_review: 'open',
  // The inquiry ended without becoming a chargeback: the merchant keeps the money.
  warning_closed: 'won',
  needs_response: 'open',
  under_review: 'open',
  // Appeals (Mastercard second presentment and the like) are still undecided.
  appeal_needs_response: 'open',
  appeal_under_review: 'open',
  won: 'won',
  lost: 'lost',
  // Dispute prevention resolved it before a chargeback: no dispute money moved; a refund the
  // prevention made, if any, arrives as its own refund event.
  prevented: 'won',
};

/** A status Stripe adds tomorrow is still contested: open, never won. */
export const mapDisputeStatus: (status: string) => DisputeStatus = statusLookup(DISPUTE_MAPPING, 'open');

/** payment_intent / charge may be ids or expanded objects. */
export function idOf(o: JsonObject, key: string): string | undefined {
  return str(o, key) ?? str(obj(o, key) ?? {}, 'id');
}

export function disputeNotification(eventId: string, d: JsonObject): VerifiedNotification {
  const id = str(d, 'id');
  const status = str(d, 'status');
  const amount = int(d, 'amount');
  const currency = fromStripeCurrency(d.currency);
  const paymentIntent = idOf(d, 'payment_intent');
  if (str(d, 'object') !== 'dispute' || !id || !status) return { ok: false, code: 'NOTIFY.MALFORMED', message: `event ${eventId} carries no dispute {id, status}` };
  if (amount === undefined || !currency) return { ok: false, code: 'NOTIFY.MALFORMED', message: `dispute ${id} has no usable amount/currency` };
  // Charges made by Paygate always belong to a PaymentIntent (Checkout Sessions create one).
  if (!paymentIntent) return { ok: false, code: 'NOTIFY.UNKNOWN_ORDER', message: `dispute ${id} (charge ${idOf(d, 'charge') ?? '?'}) names no PaymentIntent: not a Paygate payment` };
  const reason = str(d, 'reason');
  return {
    ok: true, kind: 'dispute', notificationId: eventId, providerTransactionId: paymentIntent, providerDisputeId: id, disputeKind: 'dispute',
    status: mapDisputeStatus(status), providerStatus: status, amount, currency, ...(reason ? { reason } : {}),
  };
}
