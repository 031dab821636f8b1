/**
 * Alipay trade_status → the payment state table's ProviderPaymentStatus.
 */
import type { ProviderPaymentStatus } from '../types.js';
import { statusLookup } from '../common/status.js';

export const TRADE_STATUSES = ['WAIT_BUYER_PAY', 'TRADE_SUCCESS', 'TRADE_FINISHED', 'TRADE_CLOSED'] as const;
export type TradeStatus = (typeof TRADE_STATUSES)[number];

// A Record over the union makes a new documented status a compile error until mapped.
const MAPPING: Readonly<Record<TradeStatus, ProviderPaymentStatus>> = {
  WAIT_BUYER_PAY: 'processing',
  TRADE_SUCCESS: 'succeeded',
  // Paid, and the refund window has passed: still money received.
  TRADE_FINISHED: 'succeeded',
  // Alipay also reports a fully refunded trade as TRADE_CLOSED; the caller must not move a
  // succeeded payment back to failed on that basis (refunds are tracked separately).
  TRADE_CLOSED: 'failed',
};

export function isTradeStatus(value: string): value is TradeStatus {
  return (TRADE_STATUSES as readonly string[]).includes(value);
}

/** Unknown statuses are 'pending' (keep polling); never 'succeeded' on a guess. */
export const mapTradeStatus: (value: string) => ProviderPaymentStatus = statusLookup(MAPPING, 'pending');
