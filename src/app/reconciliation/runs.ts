/**
 * Reconciliation as the API, the CLI and the daily sweep ask for it: start a run of one
 * provider account and bill day (in the background on this node), read runs and their
 * differences. Starting is a compare-and-set on the run row, so two nodes (or an operator
 * and the schedule) asking at once start one execution, and the other is told it runs.
 */
import { billDayWindow, isBillDay, type BillSource } from '../../connectors/bills.js';
import { billSourceFor } from '../../connectors/bill-sources.js';
import { PaygateError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { DifferenceClass, DifferenceStatus, RunStatus, RunTrigger } from '../../domain/reconciliation.js';
import { differencesOfRun, type Difference } from '../../infra/db/repos/reconciliation-differences.js';
import { claimRun, listRuns, runById, type ReconciliationRun } from '../../infra/db/repos/reconciliation-runs.js';
import type { AppContext } from '../context.js';
import { loadAccount, type LoadedAccount } from '../accounts.js';
import { executeRun } from './engine.js';

/** A running execution whose heartbeat is older than this has crashed (it beats every batch, about every second). */
export const STALE_RUN_MS = 120_000;

export interface StartInput { provider_account_id: string; day: string; trigger: RunTrigger }

async function sourceOf(ctx: AppContext, accountId: string): Promise<{ acc: LoadedAccount; source: BillSource<unknown> }> {
  const acc = await loadAccount(ctx, accountId);
  if (!acc) throw new PaygateError('PROVIDER_ACCOUNT.NOT_FOUND', undefined, { field: 'provider_account_id' });
  const source = billSourceFor(acc.row.provider);
  if (!source) throw new PaygateError('RECON.NOT_SUPPORTED', `${acc.row.provider} has no bill source in this build`, { field: 'provider_account_id' });
  return { acc, source };
}

/** Today at the provider's offset: its bill days end there. */
export function providerToday(now: number, utcOffsetMinutes: number): string {
  return new Date(now + utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

/** Starts (or starts again) the run; answers it as stored, running. */
export async function startRun(ctx: AppContext, input: StartInput): Promise<ReconciliationRun> {
  const { acc, source } = await sourceOf(ctx, input.provider_account_id);
  if (!isBillDay(input.day)) throw new PaygateError('VALIDATION.INVALID_BODY', 'day must be a calendar day, yyyy-mm-dd (the provider\'s bill day)', { field: 'day' });
  if (input.day > providerToday(ctx.now(), source.utcOffsetMinutes)) {
    throw new PaygateError('VALIDATION.INVALID_BODY', `day ${input.day} has not begun at the provider yet; ask for a past day (its bill is ready after ${source.readyAt} the next day)`, { field: 'day' });
  }
  const now = ctx.now();
  const run = await claimRun(ctx.db, {
    id: newId('rcr', now), merchantId: acc.row.merchant_id, provider: acc.row.provider, accountId: acc.row.id, day: input.day,
    trigger: input.trigger, node: ctx.background.node, now, staleBefore: now - STALE_RUN_MS,
  });
  if (!run) throw new PaygateError('RECON.RUN_IN_PROGRESS', undefined, { details: { provider_account_id: acc.row.id, day: input.day } });
  ctx.background.start(run.id, (signal) => executeRun(ctx, acc, source, run, { signal, onProgress: () => undefined }).then(() => undefined));
  return run;
}

/** Waits for a run this node executes (tests, the CLI's --wait through the API). */
export async function runSettled(ctx: AppContext, id: string): Promise<ReconciliationRun> {
  await ctx.background.settled(id);
  const run = await runById(ctx.db, id);
  if (!run) throw new PaygateError('RECON.RUN_NOT_FOUND');
  return run;
}

export async function getRun(ctx: AppContext, id: string): Promise<ReconciliationRun> {
  const run = await runById(ctx.db, id);
  if (!run) throw new PaygateError('RECON.RUN_NOT_FOUND');
  return run;
}

export interface RunListQuery { provider?: string | undefined; provider_account_id?: string | undefined; day?: string | undefined; status?: RunStatus | undefined; limit: number; starting_after?: string | undefined }

export async function listRunsFor(ctx: AppContext, q: RunListQuery): Promise<{ data: ReconciliationRun[]; has_more: boolean }> {
  const rows = await listRuns(ctx.db, {
    limit: q.limit + 1,
    ...(q.provider ? { provider: q.provider } : {}), ...(q.provider_account_id ? { accountId: q.provider_account_id } : {}),
    ...(q.day ? { day: q.day } : {}), ...(q.status ? { status: q.status } : {}), ...(q.starting_after ? { startingAfter: q.starting_after } : {}),
  });
  return { data: rows.slice(0, q.limit), has_more: rows.length > q.limit };
}

export interface DifferenceListQuery { limit: number; starting_after?: string | undefined; class?: DifferenceClass | undefined; status?: DifferenceStatus | undefined }

export async function listDifferences(ctx: AppContext, runId: string, q: DifferenceListQuery): Promise<{ data: Difference[]; has_more: boolean }> {
  await getRun(ctx, runId);
  const rows = await differencesOfRun(ctx.db, runId, { limit: q.limit + 1, ...(q.starting_after ? { startingAfter: q.starting_after } : {}), ...(q.class ? { class: q.class } : {}), ...(q.status ? { status: q.status } : {}) });
  return { data: rows.slice(0, q.limit), has_more: rows.length > q.limit };
}

/** Every difference of a run, page by page (the CSV download streams these). */
export async function* allDifferences(ctx: AppContext, runId: string): AsyncGenerator<Difference> {
  await getRun(ctx, runId);
  for (let after: string | undefined; ;) {
    const page = await differencesOfRun(ctx.db, runId, { limit: 1000, ...(after ? { startingAfter: after } : {}) });
    yield* page;
    if (page.length < 1000) return;
    after = page[page.length - 1]!.id;
  }
}

/** The day's window as the API shows it. */
export function runWindow(run: ReconciliationRun): { from: string; to: string } | undefined {
  const source = billSourceFor(run.provider);
  if (!source) return undefined;
  const w = billDayWindow(run.day, source.utcOffsetMinutes);
  return { from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString() };
}
