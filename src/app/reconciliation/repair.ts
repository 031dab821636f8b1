/**
 * What Paygate does about a difference by itself, after the run committed. A difference on
 * a known attempt asks the provider and settles through the normal transition path (the
 * payment state table, one event, one webhook; never a second transition), so money taken on
 * a canceled or expired payment becomes `conflict` as it does for a late notification. A
 * pending refund the bill shows done is synced the same way. What Paygate cannot act on (a
 * trade it never created, another currency) is reported for an operator. Every repair is
 * recorded on the difference with what was done and what came of it.
 */
import { DIFFERENCE_TABLE } from '../../domain/reconciliation.js';
import { attemptById } from '../../infra/db/repos/attempts.js';
import { paymentById } from '../../infra/db/repos/payments.js';
import { recordRepair, type Difference } from '../../infra/db/repos/reconciliation-differences.js';
import type { AppContext } from '../context.js';
import { submitRefund } from '../refunds.js';
import { queryAttempt } from '../settle.js';

async function settleAttempt(ctx: AppContext, d: Difference): Promise<{ status: 'open' | 'repaired'; repair: Record<string, unknown> }> {
  const attempt = d.attempt_id ? await attemptById(ctx.db, d.attempt_id) : undefined;
  const payment = attempt ? await paymentById(ctx.db, attempt.payment_id) : undefined;
  if (!attempt || !payment) return { status: 'open', repair: { action: 'none', why: 'the attempt is gone' } };
  const out = await queryAttempt(ctx, payment, attempt);
  if (out.kind === 'failure') return { status: 'open', repair: { action: 'queried', outcome: 'failed', code: out.failure.code, message: out.failure.message } };
  const { changed, from, to } = out.result;
  if (changed) ctx.kickJobs();
  return { status: changed ? 'repaired' : 'open', repair: { action: 'queried', outcome: changed ? 'settled' : 'unchanged', from, to } };
}

async function syncRefund(ctx: AppContext, d: Difference): Promise<{ status: 'open' | 'repaired' | 'reported'; repair: Record<string, unknown> }> {
  if (d.refund_id === null) return { status: 'reported', repair: { action: 'reported', why: 'a refund Paygate has no record of: made outside Paygate or by another system' } };
  const status = await submitRefund(ctx, d.refund_id, 'query');
  const expected = d.expected ? (JSON.parse(d.expected) as { refund_status?: string }) : {};
  const moved = expected.refund_status === 'pending' && status !== 'pending';
  return { status: moved ? 'repaired' : 'open', repair: { action: 'refund_queried', refund_status: status } };
}

/** Repairs the run's open differences; answers how many it settled. */
export async function repairDifferences(ctx: AppContext, differences: readonly Difference[]): Promise<number> {
  let repaired = 0;
  for (const d of differences) {
    if (d.status !== 'open') continue;
    const plan = DIFFERENCE_TABLE[d.class].repair;
    let r: { status: 'open' | 'repaired' | 'reported'; repair: Record<string, unknown> };
    if (plan === 'recheck_next_bill') continue;
    else if (plan === 'report' || (plan === 'query_and_settle' && d.attempt_id === null)) {
      r = { status: 'reported', repair: { action: 'reported', why: d.attempt_id === null ? 'a trade Paygate never created on this account' : DIFFERENCE_TABLE[d.class].meaning } };
    } else if (plan === 'sync_refund') r = await syncRefund(ctx, d);
    else r = await settleAttempt(ctx, d);
    if (r.status === 'repaired') repaired++;
    await recordRepair(ctx.db, d.id, r.status, { ...r.repair, at: new Date(ctx.now()).toISOString() }, ctx.now());
  }
  return repaired;
}
