/**
 * WeChat Pay APIv3 Native (QR) payment connector: public-key mode first, platform
 * certificates (several, for rotation) second. Wire protocol: shared/providers/wechatpay.md.
 */
import type { Connector } from '../types.js';
import { WECHATPAY_AMOUNTS } from './limits.js';
import { buildClose, parseClose } from './close.js';
import { parseWechatpayCredentials, type WechatpayCredentials } from './credentials.js';
import { buildNative, parseNative } from './native.js';
import { verifyWechatpayNotification, wechatpayNotificationAck } from './notify.js';
import { wechatpayNotificationPrivacy } from './sensitive.js';
import { buildQuery, parseQuery } from './query.js';
import { buildRefund, buildRefundQuery, parseRefund, parseRefundQuery } from './refund.js';

export type { WechatpayCredentials } from './credentials.js';
export { checkCreateInput } from './native.js';
/** GMT+8 calendar day, the bill_date a reconciliation run asks for. */
export { chinaDate as wechatpayBillDate } from './time.js';
export {
  buildTradeBill,
  parseTradeBill,
  buildBillDownload,
  verifyBillFile,
  parseTradeBillCsv,
  type TradeBillUrlResult,
  type BillFileResult,
  type TradeBill,
  type TradeBillOptions,
} from './bill.js';

export const wechatpayConnector: Connector<WechatpayCredentials> = {
  provider: 'wechatpay',
  ...WECHATPAY_AMOUNTS,
  parseCredentials: parseWechatpayCredentials,
  create: { build: buildNative, parse: parseNative },
  query: { build: buildQuery, parse: parseQuery },
  close: { build: buildClose, parse: parseClose },
  refund: { build: buildRefund, parse: parseRefund },
  refundQuery: { build: buildRefundQuery, parse: parseRefundQuery },
  verifyNotification: verifyWechatpayNotification,
  notificationAck: wechatpayNotificationAck,
  notificationPrivacy: wechatpayNotificationPrivacy,
};
