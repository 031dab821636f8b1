/**
 * The payment state table: the only place that decides whether a status may change.
 * Transitions not listed are rejected; terminal states never regress. A provider
 * success after Paygate closed the payment is not dropped: it becomes `conflict`
 * (money was taken after close and must be refunded by an operator).
 */
export const PAYMENT_STATUSES = ['requires_action', 'processing', 'succeeded', 'failed', 'canceled', 'expired', 'conflict'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** What Paygate observed: a provider status (notification or query) or its own decision. */
export type PaymentObservation = 'pending' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'expired';

const TERMINAL: ReadonlySet<PaymentStatus> = new Set(['succeeded', 'failed', 'canceled', 'expired', 'conflict']);

export function isTerminal(status: PaymentStatus): boolean {
  return TERMINAL.has(status);
}

/** Returns the next status, or null when the observation changes nothing (duplicate, stale, out of order). */
export function nextPaymentStatus(current: PaymentStatus, observed: PaymentObservation): PaymentStatus | null {
  switch (current) {
    case 'requires_action':
      switch (observed) {
        case 'pending': return null;
        case 'processing': return 'processing';
        case 'succeeded': return 'succeeded';
        case 'failed': return 'failed';
        case 'canceled': return 'canceled';
        case 'expired': return 'expired';
      }
      break;
    case 'processing':
      switch (observed) {
        case 'pending':
        case 'processing': return null;
        case 'succeeded': return 'succeeded';
        case 'failed': return 'failed';
        case 'canceled': return 'canceled';
        case 'expired': return 'expired';
      }
      break;
    case 'canceled':
    case 'expired':
    case 'failed':
      // Paid after we closed or gave up: keep the money visible, never silently succeed.
      return observed === 'succeeded' ? 'conflict' : null;
    case 'succeeded':
    case 'conflict':
      return null;
  }
  return null;
}

export type PaymentEventType =
  | 'payment.processing' | 'payment.succeeded' | 'payment.failed' | 'payment.canceled' | 'payment.expired' | 'payment.conflict';

export function paymentEventFor(status: PaymentStatus): PaymentEventType | null {
  return status === 'requires_action' ? null : (`payment.${status}` as PaymentEventType);
}

export function isPaymentStatus(s: string): s is PaymentStatus {
  return (PAYMENT_STATUSES as readonly string[]).includes(s);
}
