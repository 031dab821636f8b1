/** Refund state table: pending → succeeded | failed; terminal states never change. */
export const REFUND_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export function nextRefundStatus(current: RefundStatus, observed: RefundStatus): RefundStatus | null {
  if (current !== 'pending') return null;
  return observed === 'pending' ? null : observed;
}

/** How much may still be refunded: pending refunds count, so concurrent requests cannot overshoot. */
export function refundableAmount(paid: number, refunds: ReadonlyArray<{ amount: number; status: RefundStatus }>): number {
  const reserved = refunds.filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amount, 0);
  return Math.max(0, paid - reserved);
}
