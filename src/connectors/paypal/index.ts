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
import { buildListRefunds, buildRefund, buildRefundQuery, parseListRefunds, parseRefund } from './refund.js';
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
  auth: { build: buildToken, parse: parseToken },
  create: { build: buildCreateOrder, parse: parseCreateOrder },
  query: { build: buildGetOrder, parse: parseGetOrder },
  capture: { build: buildCapture, parse: parseCapture },
  close: { build: buildGetOrder, parse: parseClose },
  refund: { build: buildRefund, parse: parseRefund },
  refundQuery: { build: buildRefundQuery, parse: parseRefund },
  listRefunds: { build: buildListRefunds, parse: parseListRefunds },
  notificationMaterial: paypalNotificationMaterial,
  verifyNotification: verifyPaypalNotification,
  notificationAck: paypalNotificationAck,
  notificationPrivacy: paypalNotificationPrivacy,
};
