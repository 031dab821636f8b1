/**
 * The webhook events about money leaving a paid capture: refunds (Paygate's and those made
 * in the PayPal dashboard), reversals and disputes. Port values as src/app/disputes.ts
 * describes them. Payload shapes (PayPal's webhook event samples and the Disputes API v1):
 *
 * - PAYMENT.CAPTURE.REFUNDED, resource_type "refund": a v2 refund {id, status, amount,
 *   custom_id?, invoice_id?, seller_payable_breakdown.total_refunded_amount, links: self →
 *   /v2/payments/refunds/{id}, up → /v2/payments/captures/{capture id}}. Paygate's refunds
 *   carry custom_id "<reference>:<refund reference>"; one made in the dashboard carries no
 *   Paygate key and names its capture only through the `up` link.
 * - PAYMENT.CAPTURE.REVERSED, resource_type "refund": the same refund shape (its own id, the
 *   reversed amount, `up` → the capture), usually without custom_id: a chargeback or PayPal
 *   taking the money back.
 * - CUSTOMER.DISPUTE.CREATED / UPDATED / RESOLVED, resource_type "dispute": {dispute_id,
 *   disputed_transactions[{seller_transaction_id = capture id, custom, invoice_number}],
 *   dispute_amount, reason, status, dispute_outcome.outcome_code}.
 */
import type { VerifiedNotification } from '../types.js';
import { mapDisputeStatus } from './dispute-status.js';
import { mapRefundStatus } from './refund.js';
import { amountOf, isObject, obj, str, type Json } from './response.js';

type Rejection = { ok: false; code: 'NOTIFY.MALFORMED'; message: string };
const malformed = (message: string): Rejection => ({ ok: false, code: 'NOTIFY.MALFORMED', message });

export const DISPUTE_EVENTS = ['CUSTOMER.DISPUTE.CREATED', 'CUSTOMER.DISPUTE.UPDATED', 'CUSTOMER.DISPUTE.RESOLVED'] as const;

/** {currency_code, value} in its own currency → minor units; undefined when absent, malformed or a currency Paygate does not know. */
export function moneyOf(money: Json | undefined): { amount: number; currency: string } | undefined {
  const currency = str(money, 'currency_code');
  if (!currency) return undefined;
  try {
    const a = amountOf(money, currency);
    return typeof a === 'number' ? { amount: a, currency } : undefined;
  } catch {
    return undefined; // a currency Paygate does not know
  }
}

/** The capture a refund-shaped resource belongs to: supplementary_data, else the `up` link's last path segment. */
export function captureIdOf(resource: Json): string | undefined {
  const related = str(obj(obj(resource, 'supplementary_data'), 'related_ids'), 'capture_id');
  if (related) return related;
  const links = Array.isArray(resource.links) ? resource.links : [];
  for (const l of links) {
    if (!isObject(l) || l.rel !== 'up' || typeof l.href !== 'string' || !URL.canParse(l.href)) continue;
    const m = /\/v2\/payments\/captures\/([^/]+)$/.exec(new URL(l.href).pathname);
    if (m?.[1]) return decodeURIComponent(m[1]);
  }
  return undefined;
}

/** Paygate's "<reference>:<refund reference>" custom_id, or undefined for a refund made elsewhere. */
function paygateKeys(resource: Json): { reference: string; refundReference: string } | undefined {
  const parts = (str(resource, 'custom_id') ?? '').split(':');
  const [reference, refundReference] = parts;
  return parts.length === 2 && reference && refundReference ? { reference, refundReference } : undefined;
}

/** PAYMENT.CAPTURE.REFUNDED: Paygate's refund (matched by its key) or one made in the PayPal dashboard. */
export function refundEvent(eventId: string, type: string, resource: Json, resourceId: string): VerifiedNotification {
  const money = moneyOf(obj(resource, 'amount'));
  if (!money) return malformed('refund webhook lacks a known amount {currency_code, value}');
  const status = str(resource, 'status');
  const total = moneyOf(obj(obj(resource, 'seller_payable_breakdown'), 'total_refunded_amount'));
  const common = {
    ok: true as const, kind: 'refund' as const, notificationId: eventId, status: mapRefundStatus(status), providerStatus: status ?? type,
    amount: money.amount, currency: money.currency, providerRefundId: resourceId,
    ...(total && total.currency === money.currency ? { refundedTotal: total.amount } : {}),
  };
  const keys = paygateKeys(resource);
  if (keys) return { ...common, ...keys };
  // Made outside Paygate: no reference in the event, only the capture (attempts.provider_transaction_id).
  const captureId = captureIdOf(resource);
  if (!captureId) return malformed(`refund ${resourceId} has neither Paygate's custom_id nor a link to its capture`);
  return { ...common, reference: '', providerTransactionId: captureId };
}

/** Paygate's reference from a custom_id / invoice_id that may be a refund's "<reference>:<refund reference>". */
function referenceIn(value: string | undefined): string | undefined {
  const ref = value?.split(':')[0];
  return ref ? ref : undefined;
}

/** PAYMENT.CAPTURE.REVERSED: PayPal took the money back; nothing to contest, so 'lost' from the start. */
export function reversalEvent(eventId: string, type: string, resource: Json, resourceId: string): VerifiedNotification {
  const money = moneyOf(obj(resource, 'amount'));
  if (!money) return malformed('reversal webhook lacks a known amount {currency_code, value}');
  const captureId = captureIdOf(resource);
  const reference = referenceIn(str(resource, 'custom_id')) ?? referenceIn(str(resource, 'invoice_id'));
  if (!captureId && !reference) return malformed(`reversal ${resourceId} names neither its capture nor a custom_id`);
  const reason = str(obj(resource, 'status_details'), 'reason');
  return {
    ok: true, kind: 'dispute', notificationId: eventId, disputeKind: 'reversal', status: 'lost',
    // The reversal's own id: stable across retries of this event, distinct from any dispute (PP-D-…) on the same capture.
    providerDisputeId: resourceId,
    providerStatus: `${type}/${str(resource, 'status') ?? ''}`,
    amount: money.amount, currency: money.currency,
    ...(captureId ? { providerTransactionId: captureId } : {}),
    ...(reference ? { reference } : {}),
    ...(reason ? { reason } : {}),
  };
}

/** CUSTOMER.DISPUTE.*: the dispute as it stands now (every event carries the whole dispute). */
export function disputeEvent(eventId: string, resource: Json): VerifiedNotification {
  const disputeId = str(resource, 'dispute_id');
  if (!disputeId) return malformed('dispute webhook has no dispute_id');
  const money = moneyOf(obj(resource, 'dispute_amount'));
  if (!money) return malformed(`dispute ${disputeId} lacks a known dispute_amount`);
  // A dispute may list several transactions; Paygate's capture is the one with a seller id (one per Orders v2 capture).
  const txs = Array.isArray(resource.disputed_transactions) ? resource.disputed_transactions.filter(isObject) : [];
  const tx = txs.find((t) => str(t, 'seller_transaction_id')) ?? txs[0];
  const captureId = str(tx, 'seller_transaction_id');
  const reference = referenceIn(str(tx, 'custom')) ?? referenceIn(str(tx, 'invoice_number'));
  if (!captureId && !reference) return malformed(`dispute ${disputeId} names no disputed transaction`);
  const status = str(resource, 'status');
  const outcome = str(obj(resource, 'dispute_outcome'), 'outcome_code');
  const reason = str(resource, 'reason');
  return {
    ok: true, kind: 'dispute', notificationId: eventId, disputeKind: 'dispute', providerDisputeId: disputeId,
    status: mapDisputeStatus(status, outcome),
    providerStatus: outcome ? `${status ?? ''}/${outcome}` : status ?? '',
    amount: money.amount, currency: money.currency,
    ...(captureId ? { providerTransactionId: captureId } : {}),
    ...(reference ? { reference } : {}),
    ...(reason ? { reason } : {}),
  };
}
