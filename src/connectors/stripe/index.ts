/**
 * Stripe connector: Checkout Session (hosted redirect) over PaymentIntents, refunds (and
 * listing those made in the dashboard), disputes and signed webhooks. Wire protocol: shared/providers/stripe.md; form-encoded requests,
 * JSON answers, Idempotency-Key on every POST.
 */
import type { Connector } from '../types.js';
import { checkout } from './checkout.js';
import { stripeNotifications } from './notify.js';
import { close, query } from './query.js';
import { listRefunds, refund, refundQuery } from './refund.js';
import { STRIPE_AMOUNTS } from './limits.js';
import { parseStripeCredentials, type StripeCredentials } from './credentials.js';

export type { StripeCredentials } from './credentials.js';
export { STRIPE_EVENTS } from './notify.js';
export { STRIPE_API_VERSION } from './http.js';

export const stripeConnector: Connector<StripeCredentials> = {
  provider: 'stripe',
  ...STRIPE_AMOUNTS,
  parseCredentials: parseStripeCredentials,
  create: checkout, query, close,
  refund, refundQuery, listRefunds,
  ...stripeNotifications,
};
