/**
 * Alipay face-to-face QR payment (当面付) connector, in public-key or certificate mode.
 * Wire protocol: shared/providers/alipay.md.
 */
import type { Connector } from '../types.js';
import { ALIPAY_AMOUNTS } from './limits.js';
import { buildClose, parseClose } from './close.js';
import { parseAlipayCredentials, type AlipayCredentials } from './credentials.js';
import { alipayNotificationAck, verifyAlipayNotification } from './notify.js';
import { alipayNotificationMaterial } from './notify-refund.js';
import { alipayNotificationPrivacy } from './sensitive.js';
import { buildPrecreate, parsePrecreate } from './precreate.js';
import { buildQuery, parseQuery } from './query.js';
import { buildRefund, buildRefundQuery, parseRefund, parseRefundQuery } from './refund.js';

export type { AlipayCredentials } from './credentials.js';
export { checkCreateInput } from './precreate.js';
/** GMT+8 calendar day, the bill_date a reconciliation run asks for. */
export { chinaDate as alipayBillDate } from './time.js';
export {
  buildCancel,
  parseCancel,
  buildBillDownloadUrl,
  parseBillDownloadUrl,
  type CancelResult,
  type BillUrlResult,
} from './cancel.js';

export const alipayConnector: Connector<AlipayCredentials> = {
  provider: 'alipay',
  ...ALIPAY_AMOUNTS,
  parseCredentials: parseAlipayCredentials,
  create: { build: buildPrecreate, parse: parsePrecreate },
  query: { build: buildQuery, parse: parseQuery },
  close: { build: buildClose, parse: parseClose },
  refund: { build: buildRefund, parse: parseRefund },
  refundQuery: { build: buildRefundQuery, parse: parseRefundQuery },
  verifyNotification: verifyAlipayNotification,
  notificationMaterial: alipayNotificationMaterial,
  notificationAck: alipayNotificationAck,
  notificationPrivacy: alipayNotificationPrivacy,
};
