/** Contract adapter: Stripe Checkout (USD), webhooks signed in Stripe-Signature (t=…,v1=HMAC). */
import { randomBytes } from 'node:crypto';
import { stripeConnector, type StripeCredentials } from '../stripe/index.js';
import { withHeader, type ContractAdapter } from './adapter.js';

export const stripeContract: ContractAdapter<StripeCredentials> = {
  provider: 'stripe',
  connector: stripeConnector,
  currency: 'USD',
  amount: 2500,
  refundAmount: 700,
  handoff: 'redirectUrl',
  closedStatus: 'failed',
  closeStopsPayment: true,
  // Same timestamp, an HMAC made with a key that is not the endpoint's secret.
  forge: (inbound) => withHeader(inbound, 'stripe-signature', (old) => old.replace(/v1=[0-9a-f]+/g, `v1=${randomBytes(32).toString('hex')}`)),
};
