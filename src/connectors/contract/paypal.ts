/** Contract adapter: PayPal Orders v2 (USD, approve then capture), webhooks signed in PAYPAL-TRANSMISSION-SIG. */
import { paypalConnector, type PaypalCredentials } from '../paypal/index.js';
import { bogusSignature, withHeader, type ContractAdapter } from './adapter.js';

export const paypalContract: ContractAdapter<PaypalCredentials> = {
  provider: 'paypal',
  connector: paypalConnector,
  currency: 'USD',
  amount: 2500,
  refundAmount: 700,
  handoff: 'redirectUrl',
  // PayPal has no close: an order nobody approved just lapses, so it still queries as CREATED; close only checks it was not approved.
  closedStatus: 'pending',
  closeStopsPayment: false,
  forge: (inbound) => withHeader(inbound, 'paypal-transmission-sig', () => bogusSignature()),
};
