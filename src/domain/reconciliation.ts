/**
 * Reconciliation's vocabulary: the classes a difference between a provider's bill and
 * Paygate's ledger falls into, what each means, and what Paygate does about it. The table is
 * keyed by every class (the compiler checks it), and docs/reconciliation.md is checked
 * against it by a test.
 */

export const DIFFERENCE_CLASSES = [
  'missing_locally', 'missing_at_provider', 'amount_mismatch', 'currency_mismatch', 'status_mismatch', 'refund_mismatch', 'timing',
] as const;
export type DifferenceClass = (typeof DIFFERENCE_CLASSES)[number];

/** open: needs a look; repaired: Paygate settled it through the normal path; resolved: gone on a later run or bill; reported: for an operator (nothing Paygate can do). */
export const DIFFERENCE_STATUSES = ['open', 'repaired', 'resolved', 'reported'] as const;
export type DifferenceStatus = (typeof DIFFERENCE_STATUSES)[number];

export const RUN_STATUSES = ['running', 'succeeded', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RUN_TRIGGERS = ['api', 'cli', 'schedule'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export interface DifferenceClassInfo {
  /** One line for the docs and the CSV. */
  meaning: string;
  /** What Paygate does by itself. */
  repair: 'query_and_settle' | 'sync_refund' | 'recheck_next_bill' | 'report';
}

export const DIFFERENCE_TABLE: Readonly<Record<DifferenceClass, DifferenceClassInfo>> = {
  missing_locally: { meaning: 'The provider lists a successful trade that Paygate does not show as succeeded (a lost notification), or one Paygate never created.', repair: 'query_and_settle' },
  missing_at_provider: { meaning: 'Paygate shows a payment succeeded on this account and day, but the provider\'s bill does not list it.', repair: 'query_and_settle' },
  amount_mismatch: { meaning: 'The bill lists the trade with another amount than the payment.', repair: 'query_and_settle' },
  currency_mismatch: { meaning: 'The bill lists the trade in another currency than the payment.', repair: 'report' },
  status_mismatch: { meaning: 'Paygate shows the payment succeeded, the bill lists the trade as not paid (revoked, reversed, failed).', repair: 'query_and_settle' },
  refund_mismatch: { meaning: 'A refund differs: the bill has one Paygate lacks or with another amount, Paygate\'s is still pending, or Paygate\'s succeeded refund is not in the bill.', repair: 'sync_refund' },
  timing: { meaning: 'A success near the provider\'s day boundary that the bill does not list yet: expected in the next day\'s bill and re-checked by that run.', repair: 'recheck_next_bill' },
};

/** Successes this close to the end of the provider's day may be booked on the next day. */
export const DEFAULT_TIMING_WINDOW_MS = 10 * 60_000;

export type DifferenceCounts = Partial<Record<DifferenceClass, number>>;
