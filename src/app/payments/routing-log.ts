/**
 * The payment's routing log as a create writes it: one entry per account passed over
 * (skipped without a call, failed, or unanswered), each also counted in the routing
 * fallback metric. Below both the fallback loop and the attempt steps, which both write
 * entries, so neither has to import the other.
 */
import type { RoutingLogEntry } from '../../domain/routing.js';
import { appendRoutingLog } from '../../infra/db/repos/payments.js';
import type { AppContext } from '../context.js';
import { lockPayment } from '../payment-transitions.js';

export const logEntry = (accountId: string, outcome: RoutingLogEntry['outcome'], reason: string, at: number, attemptId?: string): RoutingLogEntry => ({
  provider_account_id: accountId, ...(attemptId ? { attempt_id: attemptId } : {}), outcome, reason, at: new Date(at).toISOString(),
});

export function countPassedOver(ctx: AppContext, provider: string, e: RoutingLogEntry): void {
  ctx.metrics.routingFallbacks.inc({ provider, outcome: e.outcome, reason: e.reason });
}

/** An account skipped outside an attempt's transaction (it could not even be loaded): logged under the payment lock. */
export async function logSkip(ctx: AppContext, paymentId: string, accountId: string, reason: string): Promise<RoutingLogEntry> {
  const entry = logEntry(accountId, 'skipped', reason, ctx.now());
  await ctx.db.transaction().execute(async (trx) => {
    await lockPayment(ctx, trx, paymentId);
    await appendRoutingLog(trx, paymentId, [entry]);
  });
  return entry;
}
