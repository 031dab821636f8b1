/**
 * What of a UnionPay back-end notification (ACP 5.1.0 form POST) may be stored in clear: the
 * transaction's ids, type, amounts, times and answer code. The card (accNo, payCardNo,
 * bindId, issuer), the customer information, the signature and the signer certificate are
 * masked, and so is any field not listed here.
 */
import type { NotificationPrivacy } from '../types.js';
import type { UnionpayCredentials } from './credentials.js';

export const unionpayNotificationPrivacy: NotificationPrivacy<UnionpayCredentials> = {
  format: 'form',
  keep: [
    'version', 'encoding', 'signMethod', 'certId', 'txnType', 'txnSubType', 'bizType', 'channelType', 'accessType', 'merId',
    'orderId', 'txnTime', 'txnAmt', 'currencyCode', 'reqReserved', 'queryId', 'origQryId', 'traceNo', 'traceTime',
    'settleAmt', 'settleCurrencyCode', 'settleDate', 'respCode', 'respMsg', 'origRespCode', 'origRespMsg', 'payType',
    'exchangeRate', 'exchangeDate',
  ],
  personal: ['accNo', 'payCardNo', 'payCardType', 'payCardIssueName', 'bindId', 'customerInfo', 'issuerIdentifyMode', 'reserved'],
  secret: ['signature', 'signPubKeyCert'],
  // UnionPay sends no stable buyer id; the card number is not an identifier Paygate keeps, even hashed.
  identifiers: [],
  secretHeaders: [],
};
