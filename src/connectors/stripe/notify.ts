/**
 * Webhook events at /notify/stripe/{account}. Trust order: Stripe-Signature over the raw
 * body with this account's endpoint secret (and its timestamp window), then the event's
 * shape; amount and order existence are the caller's checks. Refunds without Paygate's
 * metadata and disputes are reported as such (app/disputes.ts has the contract).
 */
import type { ErrorCode } from '../../domain/errors.js';
import type { ConnectorNotifications, InboundNotification, VerifiedNotification } from '../types.js';
import { ackWith } from '../common/ack.js';
import type { StripeCredentials } from './credentials.js';
import { stripeNotificationPrivacy } from './sensitive.js';
import { fromStripeCurrency } from './amount.js';
import { REFERENCE_KEY } from './checkout.js';
import { dataOf, int, obj, str, type JsonObject, type StripeContext } from './http.js';
import { REFUND_KEY } from './refund.js';
import { verifyStripeSignature } from './signature.js';
import { mapPaymentIntent, mapRefund, mapSession } from './status.js';
import { stripeDecline } from './declines.js';
import { disputeNotification, idOf } from './dispute.js';

/** What Paygate's endpoint subscribes to (enabled_events); anything else is refused as unexpected. */
export const STRIPE_EVENTS = [
  'payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.canceled', 'payment_intent.processing',
  'checkout.session.completed', 'charge.refunded', 'refund.created', 'refund.updated', 'refund.failed',
  'charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed', 'charge.dispute.funds_withdrawn', 'charge.dispute.funds_reinstated',
] as const;

const reject = (code: ErrorCode, message: string): VerifiedNotification => ({ ok: false, code, message });

function headerValue(headers: InboundNotification['headers'], name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : undefined;
}

function payment(eventId: string, o: JsonObject, status: ReturnType<typeof mapPaymentIntent>, amount: number | undefined, providerStatus: string, transactionId?: string): VerifiedNotification {
  const decline = status === 'succeeded' || str(o, 'object') !== 'payment_intent' ? undefined : stripeDecline(o);
  const reference = obj(o, 'metadata')?.[REFERENCE_KEY];
  const currency = fromStripeCurrency(o.currency);
  if (typeof reference !== 'string') return reject('NOTIFY.UNKNOWN_ORDER', `${String(o.id)} carries no metadata.${REFERENCE_KEY}: not created by Paygate`);
  if (!currency || amount === undefined) return reject('NOTIFY.MALFORMED', `${String(o.id)} has no usable amount/currency`);
  return {
    ok: true, kind: 'payment', notificationId: eventId, reference, status, providerStatus, amount, currency,
    ...(decline ? { decline } : {}),
    ...(status === 'succeeded' && transactionId ? { providerTransactionId: transactionId } : {}),
  };
}

/** A Refund object: Paygate's own when it carries our metadata, else one made outside Paygate (dashboard, other software). */
function refund(eventId: string, r: JsonObject, refundedTotal?: number): VerifiedNotification {
  const md = obj(r, 'metadata');
  const refundReference = md?.[REFUND_KEY];
  const reference = md?.[REFERENCE_KEY];
  const currency = fromStripeCurrency(r.currency);
  const amount = int(r, 'amount');
  const id = str(r, 'id');
  if (!currency || amount === undefined) return reject('NOTIFY.MALFORMED', `refund ${String(r.id)} has no usable amount/currency`);
  const status = str(r, 'status') ?? 'unknown';
  const total = refundedTotal !== undefined ? { refundedTotal } : {};
  if (typeof refundReference === 'string') {
    if (typeof reference !== 'string') return reject('NOTIFY.UNKNOWN_ORDER', `refund ${String(r.id)} names refund ${refundReference} but no metadata.${REFERENCE_KEY}`);
    return { ok: true, kind: 'refund', notificationId: eventId, reference, refundReference, status: mapRefund(status), providerStatus: status, amount, currency, ...(id ? { providerRefundId: id } : {}), ...total };
  }
  // No Paygate metadata: made outside Paygate. The PaymentIntent finds the payment; the refund id keeps it counted once.
  const intent = idOf(r, 'payment_intent');
  if (!id) return reject('NOTIFY.MALFORMED', 'refund without an id');
  if (!intent && typeof reference !== 'string') return reject('NOTIFY.UNKNOWN_ORDER', `refund ${id} names no PaymentIntent: not of a Paygate payment`);
  return {
    ok: true, kind: 'refund', notificationId: eventId, reference: typeof reference === 'string' ? reference : '', status: mapRefund(status), providerStatus: status,
    amount, currency, providerRefundId: id, ...(intent ? { providerTransactionId: intent } : {}), ...total,
  };
}

/**
 * charge.refunded: the charge's running total (amount_refunded) and, in API versions that
 * still include it, its refunds list. The newest refund is reported (ours or not); the total
 * lets the app fetch any others it has not heard of, so none is missed or counted twice.
 */
function chargeRefunded(eventId: string, o: JsonObject): VerifiedNotification {
  const total = int(o, 'amount_refunded');
  const currency = fromStripeCurrency(o.currency);
  if (total === undefined || !currency) return reject('NOTIFY.MALFORMED', `charge ${String(o.id)} has no usable amount_refunded/currency`);
  const refunds = dataOf(obj(o, 'refunds'));
  const newest = refunds?.slice().sort((a, b) => (int(b, 'created') ?? 0) - (int(a, 'created') ?? 0))[0];
  if (newest) return refund(eventId, newest, total);
  // From API version 2022-11-15 on, charge.refunds is not included: only the total is known here.
  const intent = idOf(o, 'payment_intent');
  const reference = obj(o, 'metadata')?.[REFERENCE_KEY];
  if (!intent && typeof reference !== 'string') return reject('NOTIFY.UNKNOWN_ORDER', `charge ${String(o.id)} names no PaymentIntent: not a Paygate payment`);
  return {
    ok: true, kind: 'refund', notificationId: eventId, reference: typeof reference === 'string' ? reference : '', status: 'succeeded', providerStatus: 'charge.refunded',
    amount: total, currency, refundedTotal: total, ...(intent ? { providerTransactionId: intent } : {}),
  };
}

function mapEvent(eventId: string, type: string, o: JsonObject): VerifiedNotification {
  switch (type) {
    case 'payment_intent.succeeded':
    case 'payment_intent.payment_failed':
    case 'payment_intent.canceled':
    case 'payment_intent.processing': {
      const status = mapPaymentIntent(o);
      return payment(eventId, o, status, int(o, status === 'succeeded' ? 'amount_received' : 'amount'), str(o, 'status') ?? type, str(o, 'id'));
    }
    case 'checkout.session.completed':
      return payment(eventId, o, mapSession(o), int(o, 'amount_total'), `session_${str(o, 'payment_status') ?? 'unknown'}`, str(o, 'payment_intent'));
    case 'charge.refunded':
      return chargeRefunded(eventId, o);
    case 'refund.created':
    case 'refund.updated':
    case 'refund.failed':
      return refund(eventId, o);
    case 'charge.dispute.created':
    case 'charge.dispute.updated':
    case 'charge.dispute.closed':
    case 'charge.dispute.funds_withdrawn':
    case 'charge.dispute.funds_reinstated':
      // The dispute's status says where it stands; the event type only says what moved.
      return disputeNotification(eventId, o);
    default:
      // Signed by Stripe but not one we act on: a 2xx stops Stripe's retries (a 4xx would be
      // retried for three days). The endpoint should subscribe to STRIPE_EVENTS only.
      return { ok: true, kind: 'ignored', notificationId: eventId, eventType: type };
  }
}

export function verifyStripeNotification(ctx: StripeContext, inbound: InboundNotification): VerifiedNotification {
  const header = headerValue(inbound.headers, 'stripe-signature');
  if (header === undefined) return reject('NOTIFY.SIGNATURE_INVALID', 'missing Stripe-Signature header');
  const check = verifyStripeSignature(inbound.rawBody, header, ctx.credentials.webhookSecret, ctx.now);
  if (!check.ok) return reject(check.reason === 'malformed' ? 'NOTIFY.MALFORMED' : check.reason === 'stale' ? 'NOTIFY.TIMESTAMP_OUT_OF_TOLERANCE' : 'NOTIFY.SIGNATURE_INVALID', `Stripe-Signature: ${check.message}`);

  let event: unknown;
  try {
    event = JSON.parse(inbound.rawBody);
  } catch {
    return reject('NOTIFY.MALFORMED', 'body is not JSON');
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return reject('NOTIFY.MALFORMED', 'body is not a JSON object');
  const e = event as JsonObject;
  const id = str(e, 'id');
  const type = str(e, 'type');
  const object = obj(obj(e, 'data') ?? {}, 'object');
  if (str(e, 'object') !== 'event' || !id || !type || !object) return reject('NOTIFY.MALFORMED', 'not a Stripe event {id, type, data.object}');
  return mapEvent(id, type, object);
}

/** Everything of the port that handles notifications, spread into the connector. */
export const stripeNotifications: ConnectorNotifications<StripeCredentials> = {
  verifyNotification: verifyStripeNotification,
  // Stripe treats any 2xx as delivered; anything else is retried for up to 3 days.
  notificationAck: ackWith({ status: 200, contentType: 'application/json', body: '{"received":true}' }, { status: 400, contentType: 'application/json', body: '{"received":false}' }),
  notificationPrivacy: stripeNotificationPrivacy,
};
