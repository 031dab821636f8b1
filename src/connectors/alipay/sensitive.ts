/**
 * What of an Alipay asynchronous notification (form POST, notify_type trade_status_sync)
 * may be stored in clear: the trade's ids, state, amounts and times. The buyer's ids and
 * login, the seller's e-mail, fund and voucher details, passback data and the signature are
 * masked, and so is any field not listed here.
 */
import type { NotificationPrivacy } from '../types.js';
import type { AlipayCredentials } from './credentials.js';

export const alipayNotificationPrivacy: NotificationPrivacy<AlipayCredentials> = {
  format: 'form',
  keep: [
    'notify_time', 'notify_type', 'notify_id', 'app_id', 'auth_app_id', 'charset', 'version', 'sign_type',
    'trade_no', 'out_trade_no', 'out_biz_no', 'out_request_no', 'seller_id', 'trade_status',
    'total_amount', 'receipt_amount', 'invoice_amount', 'buyer_pay_amount', 'point_amount', 'refund_fee', 'send_back_fee',
    'gmt_create', 'gmt_payment', 'gmt_refund', 'gmt_close', 'subject', 'alipay_cert_sn',
  ],
  personal: ['buyer_id', 'buyer_open_id', 'buyer_logon_id', 'buyer_user_id', 'seller_email', 'fund_bill_list', 'voucher_detail_list', 'passback_params', 'body'],
  secret: ['sign'],
  // buyer_logon_id is already partly masked by Alipay (138****8888), so it identifies no one exactly.
  identifiers: [{ path: 'buyer_id', kind: 'provider_buyer_id' }, { path: 'buyer_open_id', kind: 'provider_buyer_id' }, { path: 'buyer_user_id', kind: 'provider_buyer_id' }],
  secretHeaders: [],
};
