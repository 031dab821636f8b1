/**
 * PayPal Orders v2 (intent CAPTURE, buyer approves on a redirect, Paygate captures).
 * Wire protocol: shared/providers/paypal.md. Design notes: docs/providers/paypal.md.
 */
import type { Connector } from '../types.js';
import { buildToken, parseToken } from './auth.js';
import { parsePaypalCredentials, type PaypalCredentials } from './credentials.js';
import { paypalNotificationAck, paypalNotificationMaterial, verifyPaypalNotification } from './notify.js';
import { paypalNotificationPrivacy } from './sensitive.js';
import { buildCapture, buildCreateOrder, buildGetOrder, parseCapture, parseClose, parseCreateOrder, parseGetOrder } from './orders.js';
import { buildRefund, buildRefundQuery, parseRefund } from './refund.js';

export type { PaypalCredentials } from './credentials.js';
export { crc32 } from './crc32.js';
export { buildGetRefund } from './refund.js';

/** Currencies PayPal settles that Paygate's money table knows (no KWD at PayPal; JPY has no decimals). */
export const PAYPAL_CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY', 'HKD', 'CNY', 'AUD', 'CAD', 'SGD', 'CHF', 'NZD', 'SEK', 'NOK', 'DKK', 'MXN'] as const;

export const paypalConnector: Connector<PaypalCredentials> = {
  provider: 'paypal',
  currencies: PAYPAL_CURRENCIES,
  parseCredentials: parsePaypalCredentials,
  auth: { build: buildToken, parse: parseToken },
  create: { build: buildCreateOrder, parse: parseCreateOrder },
  query: { build: buildGetOrder, parse: parseGetOrder },
  capture: { build: buildCapture, parse: parseCapture },
  close: { build: buildGetOrder, parse: parseClose },
  refund: { build: buildRefund, parse: parseRefund },
  refundQuery: { build: buildRefundQuery, parse: parseRefund },
  notificationMaterial: paypalNotificationMaterial,
  verifyNotification: verifyPaypalNotification,
  notificationAck: paypalNotificationAck,
  notificationPrivacy: paypalNotificationPrivacy,
};
