/**
 * How the cashier words a payment's state for the buyer. What the buyer may see is read by
 * app/cashier.ts.
 */
import { isTerminal, type PaymentStatus } from '../../domain/payment-state.js';
import { followableReturnUrl } from '../../domain/return-url.js';

/**
 * The status message of /status and the event stream; return_url only once it is the
 * buyer's next step, and only if it is still safe to follow (a value stored before the rule
 * existed is not handed to the page's redirect).
 */
export function statusMessage(status: string, returnUrl: string | null, declined = false): { status: string; return_url: string | null; declined?: true } {
  // `declined` only when true: an open payment whose last try was declined (the page says "try again").
  return { status, return_url: status === 'succeeded' ? followableReturnUrl(returnUrl) : null, ...(declined ? { declined: true as const } : {}) };
}

export const isOpen = (s: PaymentStatus): boolean => !isTerminal(s);

/**
 * Open but not payable yet: held by risk control until an operator decides. The page shows its
 * own section (no QR code or link exists) and keeps following the status; an approval reloads
 * it, since the QR code is rendered here, on the server.
 */
export const isUnderReview = (s: PaymentStatus): boolean => s === 'requires_review';

/** Open and payable: the section with the QR code / payment link. */
export const isPayable = (s: PaymentStatus): boolean => isOpen(s) && !isUnderReview(s);
