/**
 * UnionPay online payment (ACP 5.1.0), QR code the customer scans. Wire protocol:
 * shared/providers/unionpay.md.
 */
import type { Connector } from '../types.js';
import { buildApply, parseApply } from './apply.js';
import { parseUnionpayCredentials, type UnionpayCredentials } from './credentials.js';
import { unionpayNotificationAck, verifyUnionpayNotification } from './notify.js';
import { unionpayNotificationPrivacy } from './sensitive.js';
import { UNIONPAY_AMOUNTS } from './limits.js';
import { buildQuery, buildRefundQuery, parseQuery, parseRefundQuery } from './query.js';
import { buildRefund, parseRefund } from './refund.js';
import { buildUndo, parseUndo } from './undo.js';

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
  create: { build: buildApply, parse: parseApply },
  query: { build: buildQuery, parse: parseQuery },
  close: { build: buildUndo, parse: parseUndo },
  refund: { build: buildRefund, parse: parseRefund },
  refundQuery: { build: buildRefundQuery, parse: parseRefundQuery },
  verifyNotification: verifyUnionpayNotification,
  notificationAck: unionpayNotificationAck,
  notificationPrivacy: unionpayNotificationPrivacy,
};
