/**
 * One execution of a reconciliation run: the bill's rows stream in, are matched in batches
 * against the account's attempts and refunds, and the day's successes the bill never listed
 * are found afterwards. Nothing the execution finds is visible until it commits in one
 * transaction (differences, fees on payments, the run's counts); a bill that turns out bad
 * half-way — a truncated file, a checksum, a total that does not add up — fails the run with
 * its code and leaves the last good result as it was. Repairs run after the commit.
 */
import { BillError, billDayWindow, type BillRow, type BillSource } from '../../connectors/bills.js';
import { newId } from '../../domain/ids.js';
import type { DifferenceCounts } from '../../domain/reconciliation.js';
import { openTimingDifferences, reclassify, recordRepair, saveDifferences, type NewDifference } from '../../infra/db/repos/reconciliation-differences.js';
import { attemptsForBill, refundsForBill, refundsSucceededBetween } from '../../infra/db/repos/reconciliation-ledger.js';
import { beat, commitRun, failRun, finishRun, insertMatches, isMatched, purgeMatches, runOf, unmatchedSuccesses, type ReconciliationRun } from '../../infra/db/repos/reconciliation-runs.js';
import { scratchDir } from '../../infra/http/download.js';
import type { AppContext } from '../context.js';
import { connectorContext, type LoadedAccount } from '../accounts.js';
import { billIo } from './bill-io.js';
import { batchKeys, matchBatch } from './match.js';
import { repairDifferences } from './repair.js';

const BATCH = 1000;
const PAGE = 1000;

/**
 * A run holds what it found until its commit (nothing is visible before). Past the limit it
 * stops with this instead of growing: so many differences are a wrong account or day far
 * more often than a real day's bill.
 */
class TooManyDifferences extends Error {
  readonly code = 'RECON.TOO_MANY_DIFFERENCES';
  constructor(limit: number) {
    super(`more than ${limit} differences between the bill and the ledger (PAYGATE_RECON_MAX_DIFFERENCES); nothing was written. Check the account and the day, or raise the limit if they are real`);
  }
}

function holdDifferences(ctx: AppContext, into: NewDifference[], more: readonly NewDifference[]): void {
  if (into.length + more.length > ctx.config.PAYGATE_RECON_MAX_DIFFERENCES) throw new TooManyDifferences(ctx.config.PAYGATE_RECON_MAX_DIFFERENCES);
  into.push(...more);
}

export interface ExecuteOptions { signal: AbortSignal; onProgress?: (rowsRead: number) => void }

/** Reads the bill and matches it; answers the differences found (not yet stored) and the counts. */
async function pass(ctx: AppContext, acc: LoadedAccount, source: BillSource<unknown>, run: ReconciliationRun, opts: ExecuteOptions, scratch: string) {
  const io = billIo(ctx, acc, scratch, opts.signal);
  const differences: NewDifference[] = [];
  const seenRefunds = new Set<string>();
  let rowsRead = 0, rowsMatched = 0;
  // Where a run's time goes, for the log line of a finished run (the bench reads it too).
  const timings = { lookup_ms: 0, match_ms: 0, write_ms: 0 };
  let batch: BillRow[] = [];
  const flush = async (rows: BillRow[], readSoFar: number) => {
    let t = performance.now();
    const keys = batchKeys(rows);
    const attempts = await attemptsForBill(ctx.dbh, acc.row.id, keys.references, keys.transactionIds);
    // Rows whose reference Paygate does not know may still name a trade it knows by the provider's id.
    const known = new Set(attempts.map((a) => a.provider_reference));
    const second = rows.filter((r) => r.reference !== null && !known.has(r.reference) && r.providerTransactionId !== null).map((r) => r.providerTransactionId!);
    if (second.length > 0) attempts.push(...(await attemptsForBill(ctx.dbh, acc.row.id, [], second)));
    const refunds = keys.refundReferences.length + keys.providerRefundIds.length > 0 ? await refundsForBill(ctx.db, acc.row.id, keys.refundReferences, keys.providerRefundIds) : [];
    timings.lookup_ms += performance.now() - t;
    t = performance.now();
    const r = matchBatch(rows, { attempts, refunds }, run.id, run.execution);
    holdDifferences(ctx, differences, r.differences);
    for (const id of r.seenRefunds) seenRefunds.add(id);
    rowsMatched += r.matches.length;
    timings.match_ms += performance.now() - t;
    t = performance.now();
    // One transaction per batch: on SQLite a commit per statement was a measurable share of the run.
    await ctx.db.transaction().execute(async (trx) => {
      await insertMatches(trx, r.matches, ctx.dbh.dialect);
      await beat(trx, run.id, run.execution, readSoFar, rowsMatched, ctx.now());
    });
    timings.write_ms += performance.now() - t;
    opts.onProgress?.(readSoFar);
  };
  // One batch is matched while the next is read: on PostgreSQL the database works in its own
  // process, so the bill's parsing overlaps it (on SQLite every query is synchronous and this
  // changes nothing). Batches still run one after the other, in file order. A failure is held
  // (caught at once, so it is never an unhandled rejection) and raised at the next await.
  let inFlight: Promise<void> = Promise.resolve();
  const submit = async () => {
    await inFlight;
    inFlight = flush(batch, rowsRead);
    inFlight.catch(() => undefined);
    batch = [];
  };
  const cctx = connectorContext(ctx, acc);
  try {
    for await (const row of source.rows(io, cctx, run.day)) {
      opts.signal.throwIfAborted();
      rowsRead++;
      batch.push(row);
      if (batch.length >= BATCH) await submit();
    }
    if (batch.length > 0) await submit();
  } catch (err) {
    // A bad bill: the batch in flight must be done writing before the run's scratch matches are removed.
    await inFlight.catch(() => undefined);
    throw err;
  }
  await inFlight;
  ctx.metrics.reconRows.inc({ provider: acc.row.provider }, rowsRead);
  return { differences, seenRefunds, rowsRead, rowsMatched, timings };
}

/** The day's successes and refunds the bill did not list, added to what the pass found (`found`). */
async function unlisted(ctx: AppContext, acc: LoadedAccount, source: BillSource<unknown>, run: ReconciliationRun, seenRefunds: Set<string>, found: NewDifference[]): Promise<void> {
  const { from, to } = billDayWindow(run.day, source.utcOffsetMinutes);
  const lateFrom = to - ctx.config.PAYGATE_RECON_TIMING_WINDOW_S * 1000;
  const previous = await runOf(ctx.db, acc.row.id, previousDay(run.day));
  const matched = [{ runId: run.id, execution: run.execution }];
  if (previous?.committed_execution !== null && previous?.committed_execution !== undefined) matched.push({ runId: previous.id, execution: previous.committed_execution });
  for (let after = ''; ;) {
    const page = await unmatchedSuccesses(ctx.db, acc.row.id, from, to, matched, after, PAGE);
    holdDifferences(ctx, found, page.map((a): NewDifference => ({
        class: a.succeeded_at >= lateFrom ? 'timing' : 'missing_at_provider', key: `attempt:${a.attempt_id}`,
        payment_id: a.payment_id, attempt_id: a.attempt_id, refund_id: null, reference: a.provider_reference, provider_transaction_id: a.provider_transaction_id,
        expected: JSON.stringify({ payment_status: 'succeeded', amount: a.amount, currency: a.currency, succeeded_at: new Date(a.succeeded_at).toISOString() }), actual: null,
    })));
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.attempt_id;
  }
  const refunds = (await refundsSucceededBetween(ctx.db, acc.row.id, from, to, 100_000)).filter((r) => !seenRefunds.has(r.refund_id));
  holdDifferences(ctx, found, refunds.map((r): NewDifference => ({
      class: r.updated_at >= lateFrom ? 'timing' : 'refund_mismatch', key: `refund:${r.refund_id}`,
      payment_id: r.payment_id, attempt_id: r.attempt_id, refund_id: r.refund_id, reference: r.provider_reference, provider_transaction_id: r.provider_refund_id,
    expected: JSON.stringify({ refund_status: r.status, amount: r.amount, currency: r.currency, why: 'Paygate shows the refund succeeded; the bill does not list it' }), actual: null,
  })));
}

const roundAll = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v)]));

export function previousDay(day: string, days = 1): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Matched rows are a bill's size every day; only the previous day's are read again (unlisted()
 * above), so those of runs older than the retention go. A failure here costs only disk: the
 * run is finished either way, and the next run's purge takes them.
 */
async function purgeOldMatches(ctx: AppContext, acc: LoadedAccount, run: ReconciliationRun): Promise<void> {
  try {
    const n = await purgeMatches(ctx.db, acc.row.id, previousDay(run.day, ctx.config.PAYGATE_RECON_MATCH_RETENTION_DAYS - 1));
    if (n > 0) ctx.log.info({ provider_account_id: acc.row.id, rows: n }, 'reconciliation: purged matched rows past their retention');
  } catch (err) {
    ctx.log.warn({ err, run_id: run.id }, 'reconciliation: purging old matched rows failed; the next run tries again');
  }
}

/** The previous day's timing differences: found in this bill → resolved; still not → missing at the provider. */
async function recheckTiming(ctx: AppContext, acc: LoadedAccount, run: ReconciliationRun, matchedNow: (attemptId: string) => Promise<boolean>): Promise<void> {
  const previous = await runOf(ctx.db, acc.row.id, previousDay(run.day));
  if (!previous) return;
  for (const d of await openTimingDifferences(ctx.db, previous.id)) {
    const now = ctx.now();
    if (d.attempt_id !== null && d.refund_id === null && (await matchedNow(d.attempt_id))) await recordRepair(ctx.db, d.id, 'resolved', { action: 'found_in_next_bill', day: run.day, at: new Date(now).toISOString() }, now);
    else await reclassify(ctx.db, d.id, d.refund_id !== null ? 'refund_mismatch' : 'missing_at_provider', 'open', { action: 'not_in_next_bill', day: run.day, at: new Date(now).toISOString() }, now);
  }
}



/**
 * Executes a claimed run to its end. Never throws for a bad bill or an unreachable
 * provider: the run is stored failed with the code. Answers the run as stored.
 */
export async function executeRun(ctx: AppContext, acc: LoadedAccount, source: BillSource<unknown>, run: ReconciliationRun, opts: ExecuteOptions): Promise<ReconciliationRun> {
  const started = performance.now();
  const scratch = await scratchDir('paygate-recon-');
  let committed = false;
  try {
    const p = await pass(ctx, acc, source, run, opts, scratch.dir);
    const lap = (since: number) => Math.round(performance.now() - since);
    const timings = { pass_ms: lap(started), ...p.timings, unlisted_ms: 0, commit_ms: 0, repair_ms: 0 };
    let t = performance.now();
    await unlisted(ctx, acc, source, run, p.seenRefunds, p.differences);
    timings.unlisted_ms = lap(t);
    t = performance.now();
    const found = p.differences;
    // The run's counts are its stored differences (a repaired one stays counted), so a re-run of the same bill and ledger reports the same.
    const counts: DifferenceCounts = {};
    const differences = await ctx.db.transaction().execute(async (trx) => {
      const saved = await saveDifferences(trx, run.id, found, () => newId('rcd', ctx.now()), ctx.now());
      for (const d of saved) if (d.status !== 'resolved') counts[d.class] = (counts[d.class] ?? 0) + 1;
      await commitRun(trx, run, counts, p.rowsRead, p.rowsMatched, ctx.now());
      return saved;
    });
    committed = true;
    timings.commit_ms = lap(t);
    t = performance.now();
    await recheckTiming(ctx, acc, run, (attemptId) => isMatched(ctx.db, run.id, run.execution, attemptId));
    // After the commit: a repair is a normal transition of its own, and a run that stops here still has its findings.
    await repairDifferences(ctx, differences);
    timings.repair_ms = lap(t);
    await finishRun(ctx.db, run.id, run.execution, ctx.now());
    await purgeOldMatches(ctx, acc, run);
    for (const d of found) ctx.metrics.reconDifferences.inc({ provider: acc.row.provider, class: d.class });
    ctx.metrics.reconRuns.observe({ provider: acc.row.provider, outcome: found.length > 0 ? 'differences' : 'clean' }, (performance.now() - started) / 1000);
    ctx.log.info({ run_id: run.id, provider_account_id: acc.row.id, day: run.day, rows: p.rowsRead, differences: counts, timings: roundAll(timings) }, 'reconciliation run finished');
    return (await runOf(ctx.db, acc.row.id, run.day))!;
  } catch (err) {
    const known = err instanceof BillError || err instanceof TooManyDifferences;
    const code = known ? err.code : opts.signal.aborted ? 'RECON.BILL_UNAVAILABLE' : 'INTERNAL.ERROR';
    const message = known ? err.message : opts.signal.aborted ? `the run was stopped (${String(opts.signal.reason)}); run it again` : `unexpected error: ${(err as Error).message}`;
    if (!known) ctx.log.error({ err, run_id: run.id }, 'reconciliation run failed');
    else ctx.log.warn({ run_id: run.id, code, message }, 'reconciliation run failed');
    await failRun(ctx.db, run.id, run.execution, code, message, ctx.now(), committed);
    ctx.metrics.reconRuns.observe({ provider: acc.row.provider, outcome: 'failed' }, (performance.now() - started) / 1000);
    return (await runOf(ctx.db, acc.row.id, run.day))!;
  } finally {
    await scratch.remove();
  }
}
