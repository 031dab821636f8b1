/**
 * WeChat Pay trade_state / refund status → the domain's statuses. Records over the unions
 * make a newly documented status a compile error until it is mapped.
 */
import type { ProviderPaymentStatus, RefundStatus } from '../types.js';
import { statusLookup } from '../common/status.js';

export const TRADE_STATES = ['SUCCESS', 'REFUND', 'NOTPAY', 'CLOSED', 'REVOKED', 'USERPAYING', 'PAYERROR'] as const;
export type TradeState = (typeof TRADE_STATES)[number];

const TRADE_MAPPING: Readonly<Record<TradeState, ProviderPaymentStatus>> = {
  SUCCESS: 'succeeded',
  // "转入退款": paid, then (partly) refunded. The money was received; refunds are tracked apart.
  REFUND: 'succeeded',
  // A Native order exists from creation on; the buyer has not paid (or not scanned) yet.
  NOTPAY: 'pending',
  USERPAYING: 'processing',
  CLOSED: 'failed',
  REVOKED: 'failed',
  // "支付失败": this try failed (bank refused), but the order stays payable until closed or
  // expired — the buyer may scan again with another card. Recorded as a decline
  // (declines.ts), not terminal; Paygate closes the order when it gives up.
  PAYERROR: 'processing',
};

/** Unknown states are 'pending' (keep polling); never 'succeeded' on a guess. */
export const mapTradeState: (value: string) => ProviderPaymentStatus = statusLookup(TRADE_MAPPING, 'pending');

export const REFUND_STATUSES = ['SUCCESS', 'PROCESSING', 'ABNORMAL', 'CLOSED'] as const;
export type WechatRefundStatus = (typeof REFUND_STATUSES)[number];

const REFUND_MAPPING: Readonly<Record<WechatRefundStatus, RefundStatus>> = {
  SUCCESS: 'succeeded',
  PROCESSING: 'pending',
  // The bank refused the original route (card closed or frozen): WeChat stops and the
  // merchant has to settle it by hand in the merchant platform, so this refund failed.
  ABNORMAL: 'failed',
  CLOSED: 'failed',
};

export const mapRefundStatus: (value: string) => RefundStatus = statusLookup(REFUND_MAPPING, 'pending');
