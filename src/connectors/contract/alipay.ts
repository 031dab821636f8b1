/** Contract adapter: Alipay face-to-face QR (CNY), notifications signed in the form's `sign` field. */
import { alipayConnector, type AlipayCredentials } from '../alipay/index.js';
import { bogusSignature, withFormField, type ContractAdapter } from './adapter.js';

export const alipayContract: ContractAdapter<AlipayCredentials> = {
  provider: 'alipay',
  connector: alipayConnector,
  currency: 'CNY',
  amount: 8888,
  refundAmount: 1000,
  handoff: 'qrCode',
  // Closed before the scan: Alipay never created the trade, and its query says so (TRADE_NOT_EXIST).
  closedStatus: 'pending',
  closeStopsPayment: false,
  forge: (inbound) => withFormField(inbound, 'sign', bogusSignature()),
};
