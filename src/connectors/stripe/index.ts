/**
 * Stripe connector: Checkout Session (hosted redirect) over PaymentIntents, refunds (and
 * listing those made in the dashboard), disputes and signed webhooks. Wire protocol: shared/providers/stripe.md; form-encoded requests,
 * JSON answers, Idempotency-Key on every POST.
 */
import type { Connector } from '../types.js';
import { STRIPE_AMOUNTS } from './limits.js';
import { buildCheckout, parseCheckout } from './checkout.js';
import { parseStripeCredentials, type StripeCredentials } from './credentials.js';
import { stripeNotificationAck, verifyStripeNotification } from './notify.js';
import { stripeNotificationPrivacy } from './sensitive.js';
import { buildClose, buildQuery, parseClose, parseQuery } from './query.js';
import { buildListRefunds, buildRefund, buildRefundQuery, parseListRefunds, parseRefund, parseRefundQuery } from './refund.js';

export type { StripeCredentials } from './credentials.js';
export { STRIPE_EVENTS } from './notify.js';
export { STRIPE_API_VERSION } from './http.js';

export const stripeConnector: Connector<StripeCredentials> = {
  provider: 'stripe',
  ...STRIPE_AMOUNTS,
  parseCredentials: parseStripeCredentials,
  create: { build: buildCheckout, parse: parseCheckout },
  query: { build: buildQuery, parse: parseQuery },
  close: { build: buildClose, parse: parseClose },
  refund: { build: buildRefund, parse: parseRefund },
  refundQuery: { build: buildRefundQuery, parse: parseRefundQuery },
  listRefunds: { build: buildListRefunds, parse: parseListRefunds },
  verifyNotification: verifyStripeNotification,
  notificationAck: stripeNotificationAck,
  notificationPrivacy: stripeNotificationPrivacy,
};
