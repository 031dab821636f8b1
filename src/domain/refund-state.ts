/** Refund state table: pending → succeeded | failed; terminal states never change. */
export const REFUND_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** Every (status, observation) cell, null meaning "changes nothing"; the compiler wants all of them. */
const TABLE: Readonly<Record<RefundStatus, Readonly<Record<RefundStatus, RefundStatus | null>>>> = {
  pending: { pending: null, succeeded: 'succeeded', failed: 'failed' },
  succeeded: { pending: null, succeeded: null, failed: null },
  failed: { pending: null, succeeded: null, failed: null },
};

export function isRefundStatus(s: string): s is RefundStatus {
  return (REFUND_STATUSES as readonly string[]).includes(s);
}

/** The next status, or null when nothing changes; a status outside the union (junk) changes nothing. */
export function nextRefundStatus(current: RefundStatus, observed: RefundStatus): RefundStatus | null {
  if (!isRefundStatus(current) || !isRefundStatus(observed)) return null;
  return TABLE[current][observed];
}

/** How much may still be refunded: pending refunds count, so concurrent requests cannot overshoot. */
export function refundableAmount(paid: number, refunds: ReadonlyArray<{ amount: number; status: RefundStatus }>): number {
  const reserved = refunds.filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amount, 0);
  return Math.max(0, paid - reserved);
}
