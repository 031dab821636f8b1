/**
 * PayPal dispute status and outcome (Customer Disputes API v1, as in CUSTOMER.DISPUTE.*
 * webhooks) → Paygate's DisputeStatus. Sources: the Disputes API `dispute` object (status,
 * dispute_outcome.outcome_code), as PayPal's generated SDKs document it.
 *
 * Only a RESOLVED dispute has an outcome; every other status means PayPal has not decided,
 * so the dispute is open whatever the outcome field says. Unknown statuses and outcomes are
 * 'open' (keep waiting for the next event), never 'won' on a guess.
 */
import type { DisputeStatus } from '../types.js';

export const DISPUTE_STATUSES = ['OPEN', 'WAITING_FOR_BUYER_RESPONSE', 'WAITING_FOR_SELLER_RESPONSE', 'UNDER_REVIEW', 'RESOLVED', 'OTHER'] as const;
export type PaypalDisputeStatus = (typeof DISPUTE_STATUSES)[number];

export const DISPUTE_OUTCOMES = ['RESOLVED_BUYER_FAVOUR', 'RESOLVED_SELLER_FAVOUR', 'RESOLVED_WITH_PAYOUT', 'CANCELED_BY_BUYER', 'ACCEPTED', 'DENIED', 'NONE'] as const;
export type PaypalDisputeOutcome = (typeof DISPUTE_OUTCOMES)[number];

// A Record over the union makes a newly documented value a compile error until it is mapped.
const STATUS: Readonly<Record<PaypalDisputeStatus, 'open' | 'decided'>> = {
  OPEN: 'open',
  WAITING_FOR_BUYER_RESPONSE: 'open',
  WAITING_FOR_SELLER_RESPONSE: 'open',
  UNDER_REVIEW: 'open',
  // The outcome says who won.
  RESOLVED: 'decided',
  // "Another reason": PayPal has not said the case is over.
  OTHER: 'open',
};

const OUTCOME: Readonly<Record<PaypalDisputeOutcome, DisputeStatus>> = {
  // The buyer got the money back from the merchant.
  RESOLVED_BUYER_FAVOUR: 'lost',
  RESOLVED_SELLER_FAVOUR: 'won',
  // PayPal paid out under its buyer/seller protection: the merchant keeps the money.
  RESOLVED_WITH_PAYOUT: 'won',
  // The buyer withdrew the claim.
  CANCELED_BY_BUYER: 'won',
  // The merchant accepted the claim (accept-claim refunds the buyer).
  ACCEPTED: 'lost',
  // The buyer's claim was denied.
  DENIED: 'won',
  // Not resolved (PayPal's "empty" outcome).
  NONE: 'open',
};

const has = (table: object, key: string): boolean => Object.prototype.hasOwnProperty.call(table, key);

export function isDisputeStatus(value: string): value is PaypalDisputeStatus {
  return has(STATUS, value);
}

export function isDisputeOutcome(value: string): value is PaypalDisputeOutcome {
  return has(OUTCOME, value);
}

/** status (+ outcome_code once RESOLVED) → open | won | lost. */
export function mapDisputeStatus(status: string | undefined, outcome: string | undefined): DisputeStatus {
  if (status === undefined || !isDisputeStatus(status) || STATUS[status] === 'open') return 'open';
  return outcome !== undefined && isDisputeOutcome(outcome) ? OUTCOME[outcome] : 'open';
}
