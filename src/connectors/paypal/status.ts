/**
 * PayPal order and capture statuses → the payment state table's terms. Records over the
 * documented unions make a new status a compile error until mapped; anything undocumented
 * is 'pending' (keep asking), never 'succeeded' on a guess. The order's status decides
 * until it is COMPLETED; then its capture does (viewOrder in orders.ts).
 */
import type { ProviderPaymentStatus } from '../types.js';
import { statusLookup } from '../common/status.js';

export const ORDER_STATUSES = ['CREATED', 'SAVED', 'APPROVED', 'VOIDED', 'COMPLETED', 'PAYER_ACTION_REQUIRED'] as const;
type OrderStatus = (typeof ORDER_STATUSES)[number];

const ORDER_MAPPING: Readonly<Record<OrderStatus, ProviderPaymentStatus>> = {
  CREATED: 'pending',
  SAVED: 'pending',
  // The buyer approved; the money is taken only by the capture (requiresCapture).
  APPROVED: 'processing',
  // Voided by PayPal (or all its purchase units): provider-final, nobody can pay it.
  VOIDED: 'failed',
  // Decided by the capture: see mapCaptureStatus.
  COMPLETED: 'processing',
  // The buyer must act again at PayPal (3-D Secure, another funding source): still payable.
  PAYER_ACTION_REQUIRED: 'pending',
};

export const CAPTURE_STATUSES = ['COMPLETED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'PENDING', 'DECLINED', 'FAILED'] as const;
type CaptureStatus = (typeof CAPTURE_STATUSES)[number];

const CAPTURE_MAPPING: Readonly<Record<CaptureStatus, ProviderPaymentStatus>> = {
  COMPLETED: 'succeeded',
  // Paid, then (partly) refunded: the money was received; refunds are tracked apart.
  PARTIALLY_REFUNDED: 'succeeded',
  REFUNDED: 'succeeded',
  // eCheck or review: money not confirmed yet.
  PENDING: 'processing',
  // The capture of a COMPLETED order was refused: that order is done, nothing left to pay.
  DECLINED: 'failed',
  FAILED: 'failed',
};

export const mapOrderStatus: (status: string | undefined) => ProviderPaymentStatus = statusLookup(ORDER_MAPPING, 'pending');

/** Unknown capture statuses are 'processing': the order is COMPLETED, so money may be moving; never success. */
export const mapCaptureStatus: (status: string | undefined) => ProviderPaymentStatus = statusLookup(CAPTURE_MAPPING, 'processing');
