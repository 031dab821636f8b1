/** Contract adapter: UnionPay ACP QR consume (CNY), notifications signed in the form's `signature` field. */
import { unionpayConnector, type UnionpayCredentials } from '../unionpay/index.js';
import { bogusSignature, withFormField, type ContractAdapter } from './adapter.js';

export const unionpayContract: ContractAdapter<UnionpayCredentials> = {
  provider: 'unionpay',
  connector: unionpayConnector,
  currency: 'CNY',
  amount: 8888,
  refundAmount: 1000,
  handoff: 'qrCode',
  // The undo is a transaction of its own; the consume it undid still queries as unpaid (the app records the close from the undo's answer).
  closedStatus: 'pending',
  closeStopsPayment: true,
  forge: (inbound) => withFormField(inbound, 'signature', bogusSignature()),
};
