/**
 * The daily reconciliation of every provider account, off-peak in the provider's own time
 * zone: a recurring sweep (job reconcile_daily, every 15 min, one node at a time by the job
 * lease) starts yesterday's run of each account whose bill is ready — the provider's ready
 * time plus PAYGATE_RECON_DELAY_MINUTES — and has no run for that day yet. The run row is
 * unique per account and day and claimed by compare-and-set, so two nodes sweeping at once
 * still start one run. A failed scheduled run is tried again an hour later, at most 6 times.
 */
import { billSourceFor } from '../../connectors/bill-sources.js';
import { PaygateError } from '../../domain/errors.js';
import { accountsOfProviders } from '../../infra/db/repos/provider-accounts.js';
import { runOf } from '../../infra/db/repos/reconciliation-runs.js';
import type { JobOutcome } from '../../infra/jobs/worker.js';
import type { AppContext } from '../context.js';
import { PROVIDERS } from '../connectors.js';
import { previousDay } from './engine.js';
import { providerToday, startRun } from './runs.js';

const SWEEP_MS = 15 * 60_000;
const RETRY_FAILED_MS = 60 * 60_000;
const MAX_SCHEDULED_EXECUTIONS = 6;

/** When yesterday's bill of a source may be read: today (at its offset) at readyAt + the delay, in epoch ms. */
export function readyAtMs(now: number, utcOffsetMinutes: number, readyAt: string, delayMinutes: number): number {
  const [h = 0, m = 0] = readyAt.split(':').map(Number);
  const todayStart = Date.parse(`${providerToday(now, utcOffsetMinutes)}T00:00:00Z`) - utcOffsetMinutes * 60_000;
  return todayStart + ((h * 60 + m + delayMinutes) * 60_000);
}

/**
 * Starts every run that is due at `now`; answers their ids. `now` decides only what is due (a
 * test sweeps at a chosen time of day): the runs themselves talk to providers on the node's
 * clock, since requests are signed with the current time.
 */
export async function reconcileDue(ctx: AppContext, now: number = ctx.now()): Promise<string[]> {
  const started: string[] = [];
  const providers = PROVIDERS.filter((p) => billSourceFor(p) !== undefined);
  for (let after = ''; ;) {
    const page = await accountsOfProviders(ctx.db, providers, after, 500);
    for (const acc of page) {
      const source = billSourceFor(acc.provider)!;
      if (now < readyAtMs(now, source.utcOffsetMinutes, source.readyAt, ctx.config.PAYGATE_RECON_DELAY_MINUTES)) continue;
      const day = previousDay(providerToday(now, source.utcOffsetMinutes));
      const existing = await runOf(ctx.db, acc.id, day);
      if (existing && (existing.status !== 'failed' || existing.execution >= MAX_SCHEDULED_EXECUTIONS || (existing.finished_at ?? 0) > now - RETRY_FAILED_MS)) continue;
      try {
        started.push((await startRun(ctx, { provider_account_id: acc.id, day, trigger: 'schedule' })).id);
      } catch (err) {
        // Another node (or an operator) got there first: that run is the day's run.
        if (!(err instanceof PaygateError && err.code === 'RECON.RUN_IN_PROGRESS')) ctx.log.error({ err, provider_account_id: acc.id, day }, 'scheduled reconciliation could not start');
      }
    }
    if (page.length < 500) break;
    after = page[page.length - 1]!.id;
  }
  return started;
}

export async function reconcileDailyJob(ctx: AppContext): Promise<JobOutcome> {
  if (ctx.config.PAYGATE_RECON_SCHEDULE === 'on') await reconcileDue(ctx);
  return { done: false, runAt: ctx.now() + SWEEP_MS };
}
