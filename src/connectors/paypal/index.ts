/**
 * PayPal Orders v2 (intent CAPTURE, buyer approves on a redirect, Paygate captures).
 * Wire protocol: shared/providers/paypal.md. Design notes: docs/providers/paypal.md.
 */
import type { Connector } from '../types.js';
import { token } from './auth.js';
import { paypalNotifications } from './notify.js';
import { capture, close, createOrder, getOrder } from './orders.js';
import { listRefunds, refund, refundQuery } from './refund.js';
import { parsePaypalCredentials, type PaypalCredentials } from './credentials.js';
import { PAYPAL_AMOUNTS } from './limits.js';

export type { PaypalCredentials } from './credentials.js';
export { crc32 } from './crc32.js';
export { buildGetRefund } from './refund.js';
export { PAYPAL_EVENTS } from './notify.js';

export { PAYPAL_CURRENCIES } from './limits.js';

export const paypalConnector: Connector<PaypalCredentials> = {
  provider: 'paypal',
  ...PAYPAL_AMOUNTS,
  parseCredentials: parsePaypalCredentials,
  auth: token,
  create: createOrder, query: getOrder, capture, close,
  refund, refundQuery, listRefunds,
  ...paypalNotifications,
};
