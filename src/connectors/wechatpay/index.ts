/**
 * WeChat Pay APIv3 Native (QR) payment connector: public-key mode first, platform
 * certificates (several, for rotation) second. Wire protocol: shared/providers/wechatpay.md.
 */
import type { Connector } from '../types.js';
import { close } from './close.js';
import { native } from './native.js';
import { wechatpayNotifications } from './notify.js';
import { query } from './query.js';
import { refund, refundQuery } from './refund.js';
import { WECHATPAY_AMOUNTS } from './limits.js';
import { parseWechatpayCredentials, type WechatpayCredentials } from './credentials.js';

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
  create: native, query, close, refund, refundQuery,
  ...wechatpayNotifications,
};
