/**
 * UnionPay online payment (ACP 5.1.0), QR code the customer scans. Wire protocol:
 * shared/providers/unionpay.md.
 */
import type { Connector } from '../types.js';
import { apply } from './apply.js';
import { unionpayNotifications } from './notify.js';
import { query, refundQuery } from './query.js';
import { refund } from './refund.js';
import { undo } from './undo.js';
import { parseUnionpayCredentials, type UnionpayCredentials } from './credentials.js';
import { UNIONPAY_AMOUNTS } from './limits.js';

export type { UnionpayCredentials } from './credentials.js';
export { checkCreateInput } from './apply.js';
export { beijingTime, orderIdOf, txnTimeOf } from './order.js';
export {
  buildFileTransfer,
  parseFileTransfer,
  parseZmFile,
  readZip,
  ZM_WIDTHS,
  type FileTransferResult,
  type ZmRecord,
} from './file-transfer.js';

/** UnionPay's advice for unknown results: query after 1, 2, 4, 8, 16, 32 s (the app then falls back to its shared back-off). */
export const UNIONPAY_QUERY_DELAYS_S = [1, 2, 4, 8, 16, 32] as const;

export const unionpayConnector: Connector<UnionpayCredentials> = {
  provider: 'unionpay',
  ...UNIONPAY_AMOUNTS,
  pollDelaysS: UNIONPAY_QUERY_DELAYS_S,
  parseCredentials: parseUnionpayCredentials,
  // UnionPay has no close for a QR order: the consume undo (txnType 31) stands in for it.
  create: apply, query, close: undo, refund, refundQuery,
  ...unionpayNotifications,
};
