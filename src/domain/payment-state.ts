/**
 * The payment state table: the only place that decides whether a status may change.
 * Transitions not listed are rejected; terminal states never regress. A provider
 * success after Paygate closed the payment is not dropped: it becomes `conflict`
 * (money was taken after close and must be refunded by an operator).
 */
export const PAYMENT_STATUSES = ['requires_review', 'requires_action', 'processing', 'succeeded', 'failed', 'canceled', 'expired', 'conflict'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * What Paygate observed: a provider status (notification or query) or its own decision —
 * `approved` is an operator approving a payment held for review (app/risk/reviews.ts).
 */
export const PAYMENT_OBSERVATIONS = ['pending', 'processing', 'succeeded', 'failed', 'canceled', 'expired', 'approved'] as const;
export type PaymentObservation = (typeof PAYMENT_OBSERVATIONS)[number];
/** What a provider can say about one attempt: every observation but Paygate's own review decision. */
export type ProviderObservation = Exclude<PaymentObservation, 'approved'>;

const TERMINAL: ReadonlySet<PaymentStatus> = new Set(['succeeded', 'failed', 'canceled', 'expired', 'conflict']);

export function isTerminal(status: PaymentStatus): boolean {
  return TERMINAL.has(status);
}

/**
 * Every (status, observation) cell, null meaning "changes nothing". A Record over both unions
 * makes a new status or observation a compile error until each of its cells is decided.
 */
const TABLE: Readonly<Record<PaymentStatus, Readonly<Record<PaymentObservation, PaymentStatus | null>>>> = {
  // Held by risk control before any provider call: only an operator's approval opens it to
  // the buyer; a denial fails it (observed `failed`), and expiry and cancel apply as usual.
  // No attempt exists, so no provider can report processing; a success could only be money
  // taken elsewhere for this payment, and money taken is never hidden.
  requires_review: { pending: null, processing: null, succeeded: 'succeeded', failed: 'failed', canceled: 'canceled', expired: 'expired', approved: 'requires_action' },
  requires_action: { pending: null, processing: 'processing', succeeded: 'succeeded', failed: 'failed', canceled: 'canceled', expired: 'expired', approved: null },
  processing: { pending: null, processing: null, succeeded: 'succeeded', failed: 'failed', canceled: 'canceled', expired: 'expired', approved: null },
  succeeded: { pending: null, processing: null, succeeded: null, failed: null, canceled: null, expired: null, approved: null },
  // Paid after we closed or gave up: keep the money visible, never silently succeed.
  failed: { pending: null, processing: null, succeeded: 'conflict', failed: null, canceled: null, expired: null, approved: null },
  canceled: { pending: null, processing: null, succeeded: 'conflict', failed: null, canceled: null, expired: null, approved: null },
  expired: { pending: null, processing: null, succeeded: 'conflict', failed: null, canceled: null, expired: null, approved: null },
  conflict: { pending: null, processing: null, succeeded: null, failed: null, canceled: null, expired: null, approved: null },
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
  | 'payment.review_required' | 'payment.processing' | 'payment.succeeded' | 'payment.failed' | 'payment.canceled' | 'payment.expired' | 'payment.conflict';

/** The event a status change records; none for requires_action (a new or approved payment is not news to the merchant). */
export function paymentEventFor(status: PaymentStatus): PaymentEventType | null {
  if (status === 'requires_action') return null;
  return status === 'requires_review' ? 'payment.review_required' : (`payment.${status}` as PaymentEventType);
}

export function isPaymentStatus(s: string): s is PaymentStatus {
  return (PAYMENT_STATUSES as readonly string[]).includes(s);
}
