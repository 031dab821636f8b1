/**
 * Alipay face-to-face QR payment (当面付) connector, in public-key or certificate mode.
 * Wire protocol: shared/providers/alipay.md.
 */
import type { Connector } from '../types.js';
import { close } from './close.js';
import { alipayNotifications } from './notify.js';
import { precreate } from './precreate.js';
import { query } from './query.js';
import { refund, refundQuery } from './refund.js';
import { ALIPAY_AMOUNTS } from './limits.js';
import { parseAlipayCredentials, type AlipayCredentials } from './credentials.js';

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
  create: precreate, query, close, refund, refundQuery,
  ...alipayNotifications,
};
