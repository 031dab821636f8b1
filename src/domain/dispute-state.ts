/**
 * The dispute state table: the only place that decides whether a dispute's status may
 * change. Every transition is listed; closed states (won, lost) never change again, so a
 * duplicate, a stale `open` arriving after the decision, or a provider contradicting itself
 * changes nothing. A reversal (the provider took the money back, nothing to contest) uses the
 * same table; connectors report it as `lost`.
 */
export const DISPUTE_STATUSES = ['open', 'won', 'lost'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];
export const DISPUTE_KINDS = ['dispute', 'reversal'] as const;
export type DisputeKind = (typeof DISPUTE_KINDS)[number];

export function isDisputeStatus(s: unknown): s is DisputeStatus {
  return typeof s === 'string' && (DISPUTE_STATUSES as readonly string[]).includes(s);
}

export function isDisputeKind(s: unknown): s is DisputeKind {
  return typeof s === 'string' && (DISPUTE_KINDS as readonly string[]).includes(s);
}

/** Allowed moves; anything absent (including from a closed state) is refused. */
const TRANSITIONS: Readonly<Record<DisputeStatus, readonly DisputeStatus[]>> = {
  open: ['won', 'lost'],
  won: [],
  lost: [],
};

/**
 * The next status, or null when the observation changes nothing (same status, closed
 * already, or input that is not a status at all — stored junk is never "repaired").
 */
export function nextDisputeStatus(current: unknown, observed: unknown): DisputeStatus | null {
  if (!isDisputeStatus(current) || !isDisputeStatus(observed)) return null;
  return TRANSITIONS[current].includes(observed) ? observed : null;
}

export function isClosedDispute(s: DisputeStatus): boolean {
  return s !== 'open';
}

export type DisputeEventType = 'payment.disputed' | 'dispute.closed';

/**
 * Events for one observation: `previous` is the row's status before it (null when the row is
 * new), `next` its status after. A new row announces itself (payment.disputed); a dispute
 * that reaches won or lost — also one first seen already decided — is closed. A reversal is
 * decided when it happens, so its payment.disputed says everything.
 */
export function disputeEventsFor(kind: DisputeKind, previous: DisputeStatus | null, next: DisputeStatus): DisputeEventType[] {
  const events: DisputeEventType[] = [];
  if (previous === null) events.push('payment.disputed');
  const closes = isClosedDispute(next) && (previous === null || !isClosedDispute(previous));
  if (closes && kind === 'dispute') events.push('dispute.closed');
  return events;
}

/**
 * payments.disputed: 1 while any dispute is open or was lost (a reversal is lost), 0 when
 * there is none or every one was won. Unknown stored statuses count as open: better a
 * payment flagged for a look than money quietly missing.
 */
export function paymentDisputed(statuses: readonly string[]): boolean {
  return statuses.some((s) => s !== 'won');
}

/** What a lost dispute or a reversal took back: it can no longer be refunded. */
export function lostAmount(disputes: ReadonlyArray<{ status: string; amount: number }>): number {
  return disputes.filter((d) => d.status === 'lost').reduce((sum, d) => sum + d.amount, 0);
}
