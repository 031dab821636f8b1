/** Contract adapter: WeChat Pay APIv3 Native (CNY), notifications signed in the Wechatpay-Signature header. */
import { wechatpayConnector, type WechatpayCredentials } from '../wechatpay/index.js';
import { bogusSignature, withHeader, type ContractAdapter } from './adapter.js';

export const wechatpayContract: ContractAdapter<WechatpayCredentials> = {
  provider: 'wechatpay',
  connector: wechatpayConnector,
  currency: 'CNY',
  amount: 8888,
  refundAmount: 1000,
  handoff: 'qrCode',
  closedStatus: 'failed',
  closeStopsPayment: true,
  forge: (inbound) => withHeader(inbound, 'wechatpay-signature', () => bogusSignature()),
};
