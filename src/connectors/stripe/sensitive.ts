/**
 * What of a Stripe event (JSON, data.object a PaymentIntent, Checkout Session, Charge or
 * Refund) may be stored in clear: ids, types, status, amounts, currencies, times and
 * Paygate's own metadata keys. client_secret, the customer (id, e-mail, name, phone,
 * address), billing and shipping details, payment method details, the merchant's other
 * metadata and any field not listed here are masked.
 */
import type { NotificationPrivacy } from '../types.js';
import type { StripeCredentials } from './credentials.js';
import { REFERENCE_KEY } from './checkout.js';
import { REFUND_KEY } from './refund.js';

const O = 'data.object';
const OBJECT_FIELDS = [
  'id', 'object', 'status', 'payment_status', 'amount', 'amount_received', 'amount_capturable', 'amount_total', 'amount_subtotal', 'amount_refunded',
  'currency', 'created', 'livemode', 'mode', 'payment_intent', 'latest_charge', 'charge', 'captured', 'paid', 'refunded', 'capture_method',
  'cancellation_reason', 'canceled_at', 'expires_at', 'reason', 'failure_reason', 'balance_transaction',
  'last_payment_error.code', 'last_payment_error.decline_code', 'last_payment_error.type',
  `metadata.${REFERENCE_KEY}`, `metadata.${REFUND_KEY}`,
];
const REFUND_FIELDS = ['id', 'object', 'amount', 'currency', 'status', 'created', 'charge', 'payment_intent', 'reason', 'failure_reason', `metadata.${REFERENCE_KEY}`, `metadata.${REFUND_KEY}`];

export const stripeNotificationPrivacy: NotificationPrivacy<StripeCredentials> = {
  format: 'json',
  keep: [
    'id', 'object', 'api_version', 'created', 'type', 'livemode', 'pending_webhooks', 'request.id', 'request.idempotency_key',
    ...OBJECT_FIELDS.map((k) => `${O}.${k}`),
    `${O}.refunds.object`, `${O}.refunds.has_more`, `${O}.refunds.total_count`, ...REFUND_FIELDS.map((k) => `${O}.refunds.data[].${k}`),
    'data.previous_attributes.status',
  ],
  personal: [
    `${O}.customer`, `${O}.customer_email`, `${O}.receipt_email`, `${O}.customer_details`, `${O}.billing_details`, `${O}.shipping`, `${O}.shipping_details`,
    `${O}.payment_method`, `${O}.payment_method_details`, `${O}.last_payment_error.payment_method`, `${O}.description`,
  ],
  secret: [`${O}.client_secret`],
  identifiers: [
    { path: `${O}.customer`, kind: 'provider_buyer_id' }, { path: `${O}.customer_details.email`, kind: 'email' }, { path: `${O}.customer_email`, kind: 'email' },
    { path: `${O}.receipt_email`, kind: 'email' }, { path: `${O}.billing_details.email`, kind: 'email' },
  ],
  secretHeaders: ['stripe-signature'],
};
