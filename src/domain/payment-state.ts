/**
 * The payment state table: the only place that decides whether a status may change.
 * Transitions not listed are rejected; terminal states never regress. A provider
 * success after Paygate closed the payment is not dropped: it becomes `conflict`
 * (money was taken after close and must be refunded by an operator).
 */
export const PAYMENT_STATUSES = ['requires_action', 'processing', 'succeeded', 'failed', 'canceled', 'expired', 'conflict'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** What Paygate observed: a provider status (notification or query) or its own decision. */
export const PAYMENT_OBSERVATIONS = ['pending', 'processing', 'succeeded', 'failed', 'canceled', 'expired'] as const;
export type PaymentObservation = (typeof PAYMENT_OBSERVATIONS)[number];

const TERMINAL: ReadonlySet<PaymentStatus> = new Set(['succeeded', 'failed', 'canceled', 'expired', 'conflict']);

export function isTerminal(status: PaymentStatus): boolean {
  return TERMINAL.has(status);
}

/**
 * Every (status, observation) cell, null meaning "changes nothing". A Record over both unions
 * makes a new status or observation a compile error until each of its cells is decided.
 */
const TABLE: Readonly<Record<PaymentStatus, Readonly<Record<PaymentObservation, PaymentStatus | null>>>> = {
  requires_action: { pending: null, processing: 'processing', succeeded: 'succeeded', failed: 'failed', canceled: 'canceled', expired: 'expired' },
  processing: { pending: null, processing: null, succeeded: 'succeeded', failed: 'failed', canceled: 'canceled', expired: 'expired' },
  succeeded: { pending: null, processing: null, succeeded: null, failed: null, canceled: null, expired: null },
  // Paid after we closed or gave up: keep the money visible, never silently succeed.
  failed: { pending: null, processing: null, succeeded: 'conflict', failed: null, canceled: null, expired: null },
  canceled: { pending: null, processing: null, succeeded: 'conflict', failed: null, canceled: null, expired: null },
  expired: { pending: null, processing: null, succeeded: 'conflict', failed: null, canceled: null, expired: null },
  conflict: { pending: null, processing: null, succeeded: null, failed: null, canceled: null, expired: null },
};

function isObservation(s: string): s is PaymentObservation {
  return (PAYMENT_OBSERVATIONS as readonly string[]).includes(s);
}

/**
 * Returns the next status, or null when the observation changes nothing (duplicate, stale,
 * out of order). A status or observation outside the unions (junk from a row or a provider)
 * changes nothing either: the guards keep `__proto__` and friends off the table's prototype.
 */
export function nextPaymentStatus(current: PaymentStatus, observed: PaymentObservation): PaymentStatus | null {
  if (!isPaymentStatus(current) || !isObservation(observed)) return null;
  return TABLE[current][observed];
}

export type PaymentEventType =
  | 'payment.processing' | 'payment.succeeded' | 'payment.failed' | 'payment.canceled' | 'payment.expired' | 'payment.conflict';

export function paymentEventFor(status: PaymentStatus): PaymentEventType | null {
  return status === 'requires_action' ? null : (`payment.${status}` as PaymentEventType);
}

export function isPaymentStatus(s: string): s is PaymentStatus {
  return (PAYMENT_STATUSES as readonly string[]).includes(s);
}
