/**
 * Webhooks, verified offline as PayPal's own SDK samples do:
 *   message = transmission_id | transmission_time | webhook_id | crc32(raw body) (unsigned decimal)
 *   SHA256withRSA over the message with the public key of the certificate at PAYPAL-CERT-URL.
 * The certificate URL is attacker-controlled input: it is checked against pinned hosts
 * BEFORE anything is fetched (notificationMaterial), and the app fetches and caches it.
 */
import { X509Certificate, verify } from 'node:crypto';
import type { ErrorCode } from '../../domain/errors.js';
import type { ConnectorNotifications, InboundNotification, NotificationMaterialRequest, VerifiedNotification, WireResponse } from '../types.js';
import { ackWith } from '../common/ack.js';
import type { PaypalCredentials } from './credentials.js';
import { paypalNotificationPrivacy } from './sensitive.js';
import { crc32 } from './crc32.js';
import type { PaypalContext } from './request.js';
import { amountOf, first, isObject, obj, str, type Json } from './response.js';
import { DISPUTE_EVENTS, disputeEvent, refundEvent, reversalEvent } from './events.js';
import { paypalDecline } from './declines.js';

/** PayPal's certificate hosts (production and sandbox); the API hosts are listed too. */
export const PINNED_CERT_HOSTS: readonly string[] = ['api.paypal.com', 'api.sandbox.paypal.com', 'api-m.paypal.com', 'api-m.sandbox.paypal.com'];
/** Older than this (or this far in the future) is a replay, not a delivery. */
export const TOLERANCE_MS = 300_000;

function header(inbound: InboundNotification, name: string): string | undefined {
  const v = inbound.headers[name] ?? inbound.headers[name.toLowerCase()];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

function reject(code: ErrorCode, message: string): { ok: false; code: ErrorCode; message: string } {
  return { ok: false, code, message };
}

/**
 * Pinned: https on a PayPal host, or anything under the account's own base URL (same origin
 * and path prefix) — the sandbox simulator serves its certificate there, and that origin is
 * already trusted with the account's credentials.
 */
export function certUrlAllowed(ctx: PaypalContext, certUrl: string): boolean {
  let u: URL;
  try {
    u = new URL(certUrl);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  if (u.protocol === 'https:' && PINNED_CERT_HOSTS.includes(u.hostname.toLowerCase()) && (u.port === '' || u.port === '443')) return true;
  const base = new URL(ctx.baseUrl);
  return u.origin === base.origin && u.pathname.startsWith(`${base.pathname.replace(/\/$/, '')}/`) && !u.pathname.includes('/../');
}

export function paypalNotificationMaterial(ctx: PaypalContext, inbound: InboundNotification): NotificationMaterialRequest {
  const certUrl = header(inbound, 'paypal-cert-url');
  if (certUrl === undefined) return reject('NOTIFY.MALFORMED', 'webhook has no PAYPAL-CERT-URL header');
  if (!certUrlAllowed(ctx, certUrl)) return reject('NOTIFY.CERT_URL_UNTRUSTED', `PAYPAL-CERT-URL ${certUrl.slice(0, 200)} is not on a pinned PayPal host; not fetched`);
  return { ok: true, cacheKey: certUrl, request: { method: 'GET', url: certUrl, headers: { accept: 'application/x-pem-file, */*' } } };
}

function checkSignature(ctx: PaypalContext, inbound: InboundNotification, material: WireResponse | undefined): { ok: false; code: ErrorCode; message: string } | undefined {
  const id = header(inbound, 'paypal-transmission-id');
  const time = header(inbound, 'paypal-transmission-time');
  const sig = header(inbound, 'paypal-transmission-sig');
  const algo = header(inbound, 'paypal-auth-algo');
  if (!id || !time || !sig || !algo) return reject('NOTIFY.MALFORMED', 'webhook lacks PAYPAL-TRANSMISSION-ID / -TIME / -SIG or PAYPAL-AUTH-ALGO');
  if (algo !== 'SHA256withRSA') return reject('NOTIFY.SIGNATURE_INVALID', `PAYPAL-AUTH-ALGO ${algo} is not accepted; only SHA256withRSA`);
  const sent = Date.parse(time);
  if (!Number.isFinite(sent)) return reject('NOTIFY.MALFORMED', `PAYPAL-TRANSMISSION-TIME ${time} is not a timestamp`);
  if (Math.abs(ctx.now.getTime() - sent) > TOLERANCE_MS) return reject('NOTIFY.TIMESTAMP_OUT_OF_TOLERANCE', `transmitted at ${time}, more than ${TOLERANCE_MS / 1000} s from now`);
  if (!material || material.status !== 200) return reject('NOTIFY.CERT_UNAVAILABLE', 'the signing certificate could not be fetched');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(material.body);
  } catch {
    return reject('NOTIFY.CERT_UNAVAILABLE', 'PAYPAL-CERT-URL did not serve a PEM certificate');
  }
  if (ctx.now.getTime() < Date.parse(cert.validFrom) || ctx.now.getTime() > Date.parse(cert.validTo)) {
    return reject('NOTIFY.CERT_EXPIRED', `the webhook certificate is valid ${cert.validFrom} – ${cert.validTo}`);
  }
  const crc = crc32(Buffer.from(inbound.rawBody, 'utf8'));
  const message = `${id}|${time}|${ctx.credentials.webhookId}|${crc}`;
  // RSA verification is itself constant-time in what it reveals: valid or not.
  if (!verify('sha256', Buffer.from(message, 'utf8'), cert.publicKey, Buffer.from(sig, 'base64'))) {
    return reject('NOTIFY.SIGNATURE_INVALID', 'webhook signature does not verify (check webhook_id of the provider account)');
  }
  return undefined;
}

/** Paygate's reference: custom_id, else invoice_id (both set at create). */
function referenceOf(o: Json | undefined): string | undefined {
  return str(o, 'custom_id') ?? str(o, 'invoice_id');
}

export function verifyPaypalNotification(ctx: PaypalContext, inbound: InboundNotification, material?: WireResponse): VerifiedNotification {
  const bad = checkSignature(ctx, inbound, material);
  if (bad) return bad;
  let event: unknown;
  try {
    event = JSON.parse(inbound.rawBody);
  } catch {
    return reject('NOTIFY.MALFORMED', 'webhook body is not JSON');
  }
  if (!isObject(event)) return reject('NOTIFY.MALFORMED', 'webhook body is not a JSON object');
  const eventId = str(event, 'id');
  const type = str(event, 'event_type');
  const resource = obj(event, 'resource');
  if (!eventId || !type || !resource) return reject('NOTIFY.MALFORMED', 'webhook lacks id, event_type or resource');
  return mapEvent(eventId, type, resource);
}

/** The event types Paygate acts on: what a PayPal webhook for Paygate should subscribe to. */
export const PAYPAL_EVENTS = [
  'CHECKOUT.ORDER.APPROVED', 'PAYMENT.CAPTURE.COMPLETED', 'PAYMENT.CAPTURE.DENIED', 'PAYMENT.CAPTURE.REFUNDED', 'PAYMENT.CAPTURE.REVERSED', ...DISPUTE_EVENTS,
] as const;

/** The verified event → port value (exported for tests: signature checks are tested on their own). */
export function mapEvent(eventId: string, type: string, resource: Json): VerifiedNotification {
  // Dispute resources are keyed by dispute_id; every other resource Paygate reads has an id.
  if ((DISPUTE_EVENTS as readonly string[]).includes(type)) return disputeEvent(eventId, resource);
  if (!(PAYPAL_EVENTS as readonly string[]).includes(type)) {
    // Signed by PayPal but about nothing Paygate acts on: a 2xx stops PayPal's retries (anything
    // else is retried 25 times over three days). The webhook should subscribe to PAYPAL_EVENTS only.
    return { ok: true, kind: 'ignored', notificationId: eventId, eventType: type };
  }
  const resourceId = str(resource, 'id');
  if (!resourceId) return reject('NOTIFY.MALFORMED', 'webhook resource has no id');
  switch (type) {
    case 'CHECKOUT.ORDER.APPROVED': {
      const unit = first(resource, 'purchase_units');
      return payment(eventId, referenceOf(unit), obj(unit, 'amount'), 'processing', `${type}/${str(resource, 'status') ?? ''}`, undefined, true);
    }
    case 'PAYMENT.CAPTURE.COMPLETED':
      return payment(eventId, referenceOf(resource), obj(resource, 'amount'), 'succeeded', type, resourceId, false);
    case 'PAYMENT.CAPTURE.DENIED': {
      // The capture of a completed order was refused: that order is over; its reason is the decline.
      const v = payment(eventId, referenceOf(resource), obj(resource, 'amount'), 'failed', type, resourceId, false);
      return v.ok && v.kind === 'payment' ? { ...v, decline: paypalDecline(str(obj(resource, 'status_details'), 'reason') ?? 'DECLINED') } : v;
    }
    case 'PAYMENT.CAPTURE.REFUNDED':
      return refundEvent(eventId, type, resource, resourceId);
    default: // PAYMENT.CAPTURE.REVERSED
      return reversalEvent(eventId, type, resource, resourceId);
  }
}

function safeAmount(money: Json | undefined, currency: string): number | undefined {
  try {
    const a = amountOf(money, currency);
    return typeof a === 'number' ? a : undefined;
  } catch {
    return undefined; // a currency Paygate does not know
  }
}

function payment(eventId: string, reference: string | undefined, money: Json | undefined, status: 'processing' | 'succeeded' | 'failed', providerStatus: string, captureId: string | undefined, requiresCapture: boolean): VerifiedNotification {
  const currency = str(money, 'currency_code');
  if (!reference || !currency) return reject('NOTIFY.MALFORMED', 'webhook resource lacks custom_id/invoice_id or amount');
  const amount = safeAmount(money, currency);
  if (amount === undefined) return reject('NOTIFY.MALFORMED', `webhook amount is not a ${currency} amount`);
  return {
    ok: true, kind: 'payment', notificationId: eventId, reference, status, providerStatus, amount, currency,
    ...(captureId ? { providerTransactionId: captureId } : {}),
    ...(requiresCapture ? { requiresCapture: true as const } : {}),
  };
}

/** Everything of the port that handles notifications, spread into the connector. */
export const paypalNotifications: ConnectorNotifications<PaypalCredentials> = {
  notificationMaterial: paypalNotificationMaterial,
  verifyNotification: verifyPaypalNotification,
  // Any 2xx stops PayPal's retries; anything else is retried (up to 25 times over 3 days).
  notificationAck: ackWith({ status: 200, contentType: 'application/json', body: '{}' }, { status: 400, contentType: 'application/json', body: '{"error":"rejected"}' }),
  notificationPrivacy: paypalNotificationPrivacy,
};
