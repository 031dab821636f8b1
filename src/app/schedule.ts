/**
 * Delays and bounds for background work. Real values in production; the time scale shrinks
 * them in tests and demos. Every kind of job has a bounded schedule (JOB_SCHEDULES): after
 * its last run it is dead — kept as a dead letter for operators (GET /admin/jobs?state=dead),
 * counted in paygate_jobs_dead_total{kind}, logged at error level — and where the thing it
 * works on has a final state of its own, the job's ending reaches it (see app/jobs.ts).
 */
import type { JobKind } from '../infra/jobs/queue.js';
import { errorBackoffS } from '../infra/jobs/worker.js';

/** Poll: +60 s, then backing off to every 30 min. */
export const POLL_DELAYS_S = [60, 120, 300, 600, 1200, 1800];
/** API.md: 1m, 5m, 10m, 30m, 1h, 2h, 6h, 12h, 24h — then the delivery is marked failed. */
export const WEBHOOK_RETRY_DELAYS_S = [60, 300, 600, 1800, 3600, 7200, 21600, 43200, 86400];
export const REFUND_SYNC_DELAYS_S = [10, 30, 60, 300, 900, 1800, 3600];
/** An expiry whose close did not go through tries again soon, then hourly. */
export const EXPIRY_CLOSE_DELAYS_S = [60, 120, 300, 600, 1800, 3600];

export function delayAt(table: readonly number[], index: number): number {
  return table[Math.min(index, table.length - 1)] ?? 60;
}

/**
 * Seconds until poll number n (0-based) of an attempt: the provider's own schedule first
 * when its connector has one, then the shared back-off, so every open attempt is polled
 * until it settles or expires.
 */
export function pollDelayS(providerDelays: readonly number[] | undefined, n: number): number {
  const own = providerDelays ?? [];
  if (n < own.length) return own[n]!;
  return delayAt(POLL_DELAYS_S, n - own.length);
}

export interface JobSchedule {
  /** Seconds between one run and the next when a run ends without finishing (the last entry repeats). */
  delaysS: readonly number[];
  /**
   * Runs at most, counting every claim: a run that rescheduled, one that threw (retried after
   * errorBackoffS: 2, 4, 8 … s, at most 10 min) and one whose node died mid-run. The job is
   * dead after the last.
   */
  maxRuns: number;
  /** Periodic work: a run that ends normally starts the count again, so maxRuns bounds failures in a row. */
  recurring?: boolean;
}

/**
 * The one table of bounds. Roughly how long each lasts when nothing ever works is in the
 * comment; schedule.test.ts adds the delays up.
 */
export const JOB_SCHEDULES: Readonly<Record<JobKind, JobSchedule>> = {
  // Polls end when the payment does: the expiry job settles it at its deadline (at most
  // 7 days after creation) and an expiry gives up after about a day (below), so polling
  // past ~8 days finds nothing the expiry did not. 400 runs at the 30-min tail ≈ 8.3 days,
  // plus the provider's own first polls (UnionPay 1…32 s). Nothing to finish when a poll
  // dies: the expiry job still owns the payment.
  poll_attempt: { delaysS: POLL_DELAYS_S, maxRuns: 400 },
  // The first run is at the deadline; the rest retry a close the provider did not accept.
  // The order was created with the payment's deadline (Alipay and WeChat Pay time_expire,
  // UnionPay payTimeout; Stripe Checkout expires_at, deadline + 31 min or at most 24 h; a
  // PayPal approval is never captured once the payment is expired), so it lapses at the
  // provider on its own: a close that keeps failing for a day (UnionPay refusing the undo,
  // an account gone) will not start working, and the payment is recorded `expired` anyway
  // (source expiry_gave_up). A success the provider reports afterwards still becomes
  // `conflict` by the state table. 29 runs ≈ 24 h.
  expire_payment: { delaysS: EXPIRY_CLOSE_DELAYS_S, maxRuns: 29 },
  // Refunds may take days at some providers (WeChat Pay to a bank card: up to several
  // working days; UnionPay settles T+1), so sync for a week, hourly after the first hour,
  // alternating submit (idempotent, same out_request_no) and query. A refund whose sync
  // gave up stays `pending` — money may still be moving — and is listed for operators
  // (GET /admin/jobs?state=dead&kind=sync_refund). 175 runs ≈ 7 days.
  sync_refund: { delaysS: REFUND_SYNC_DELAYS_S, maxRuns: 175 },
  // A delivery ends by its own table (10 tries over ≈ 1.9 days, then the delivery is
  // `failed`); the job's bound only catches runs that threw or were lost, with room for the
  // delivery's tries. If it comes to that, the delivery is marked `failed` too.
  deliver_webhook: { delaysS: WEBHOOK_RETRY_DELAYS_S, maxRuns: 20 },
  // Hourly housekeeping, forever; 24 failures in a row (≈ 2.6 h of backoff) mean something an
  // operator must fix, and a dead purge is revived with POST /admin/jobs/{id}/retry.
  purge_idempotency: { delaysS: [3600], maxRuns: 24, recurring: true },
  purge_notifications: { delaysS: [3600], maxRuns: 24, recurring: true },
  // Every 15 minutes, forever: starts the reconciliation of each account whose bill for
  // yesterday is ready (app/reconciliation/daily.ts). 96 failures in a row ≈ a day.
  reconcile_daily: { delaysS: [900], maxRuns: 96, recurring: true },
};

/**
 * Seconds from the end of run number `run` (1-based, the handler's own count of the work it
 * did) to the next one; the handlers schedule with this and the tests add it up.
 */
export function delayAfterRunS(kind: JobKind, run: number, providerDelaysS?: readonly number[]): number {
  const table = JOB_SCHEDULES[kind].delaysS;
  switch (kind) {
    case 'poll_attempt': return pollDelayS(providerDelaysS, run);
    // Index 0 is the wait before the first sync run (enqueued with the refund).
    case 'sync_refund': return delayAt(table, run);
    default: return delayAt(table, run - 1);
  }
}

/**
 * Seconds from the first run to the last of a job that never finishes: every run ends
 * unfinished (`thrown` false: the kind's delays) or every run throws (`thrown` true).
 */
export function worstCaseSpanS(kind: JobKind, thrown: boolean, providerDelaysS?: readonly number[]): number {
  let total = 0;
  for (let run = 1; run < JOB_SCHEDULES[kind].maxRuns; run++) total += thrown ? errorBackoffS(run) : delayAfterRunS(kind, run, providerDelaysS);
  return total;
}
