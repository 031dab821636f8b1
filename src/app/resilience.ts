/**
 * Provider calls under the account's resilience policy (account-policies.ts: retry →
 * bulkhead → circuit breaker → timeout), one per account per node, kept by the node's
 * provider gateway (ctx.providers). Routing asks isCircuitOpen before choosing an account;
 * GET /admin/provider_accounts/{id}/health shows accountHealth.
 */
import { BrokenCircuitError, BulkheadRejectedError, CircuitState } from 'cockatiel';
import type { ConnectorFailure } from '../connectors/types.js';
import type { AppContext } from './context.js';
import { countsAgainstBreaker, failed, STATE_NAMES, type BreakerState, type CallTarget } from './account-policies.js';

export type { BreakerState, CallTarget } from './account-policies.js';

/**
 * Operations the provider de-duplicates, so sending one twice is harmless: reads, close,
 * refund (out_request_no / PayPal-Request-Id), capture (PayPal-Request-Id), token fetch.
 * Not create: a failing account is better left for routing to fall back from than retried
 * while the buyer waits.
 */
const REPEATABLE = new Set(['query', 'close', 'refund', 'refund_query', 'capture', 'auth']);

/**
 * Runs one provider call under the account's policy. `attempt` performs a single try and
 * returns a ConnectorFailure rather than throwing; the policy's own refusals (breaker open,
 * bulkhead full) come back as failures too, so callers handle every outcome as a value.
 */
export async function withResilience<R extends { ok: boolean }>(
  ctx: AppContext,
  target: CallTarget,
  operation: string,
  attempt: (signal: AbortSignal) => Promise<R | ConnectorFailure>,
): Promise<R | ConnectorFailure> {
  const p = ctx.providers.policies.for(target);
  const measured = async (signal: AbortSignal) => {
    const r = await attempt(signal);
    const now = ctx.now();
    p.window.add(countsAgainstBreaker(r), now);
    if (failed(r)) p.lastError = { code: r.code, message: r.message, at: now };
    return r;
  };
  // Composed by hand with a signal of our own rather than with wrap(): without one, every
  // policy falls back to cockatiel's single shared never-aborted signal, and each concurrent
  // timeout hangs a listener on it (a MaxListenersExceeded warning at 11 calls in flight);
  // the breaker also re-runs calls that waited for a half-open probe without their signal.
  const own = new AbortController().signal;
  const timed = () => p.deadline.execute(({ signal }) => measured(signal), own);
  // A resume is the repeat of a create that got no answer: the provider may hold that order,
  // so the payment can go to no other account, and refusing the call here would only turn a
  // possible success into another 503. The breaker keeps new payments off the account
  // (routing skips it); the resumes, bounded by the creates that hung, still go and are counted.
  const once = () => p.bulkhead.execute(() => (operation === 'resume' ? timed() : p.breaker.execute(timed, own)), own);
  try {
    return await (REPEATABLE.has(operation) ? p.retry.execute(once, own) : once());
  } catch (err) {
    if (err instanceof BrokenCircuitError) {
      const cause = p.lastError ? ` (last error: ${p.lastError.code})` : '';
      return {
        ok: false, code: 'CONNECTOR.CIRCUIT_OPEN', retryable: true, delivery: 'unsent',
        message: `${target.provider} account ${target.accountId} is failing${cause}; this node sends it nothing until a probe succeeds, within ${ctx.config.PAYGATE_BREAKER_HALF_OPEN_MS} ms`,
      };
    }
    if (err instanceof BulkheadRejectedError) {
      return {
        ok: false, code: 'CONNECTOR.BULKHEAD_FULL', retryable: true, delivery: 'unsent',
        message: `${target.provider} account ${target.accountId} already has ${ctx.config.PAYGATE_PROVIDER_BULKHEAD} calls in flight and ${p.queueLimit} waiting on this node; retry shortly`,
      };
    }
    throw err;
  }
}

/**
 * True while the account's breaker refuses calls on this node (routing skips such accounts).
 * An open breaker whose half-open delay has passed counts as not open: cockatiel turns
 * half-open only when a call arrives, so routing must send that call — the probe.
 */
export function isCircuitOpen(ctx: AppContext, accountId: string): boolean {
  const p = ctx.providers.policies.get(accountId);
  if (!p) return false;
  const state = p.breaker.state;
  if (state === CircuitState.Isolated) return true;
  return state === CircuitState.Open && ctx.now() - p.openedAt < ctx.config.PAYGATE_BREAKER_HALF_OPEN_MS;
}

export interface AccountHealth {
  breaker: { state: BreakerState; since: string; half_open_after_ms: number; opened_with: { calls: number; failures: number; failure_rate: number } | null };
  window: { duration_ms: number; calls: number; failures: number; failure_rate: number };
  bulkhead: { executing: number; queued: number; limit: number };
  last_error: { code: string; message: string; at: string } | null;
}

/** This node's view of the account: its breaker, its recent calls, its in-flight calls. */
export function accountHealth(ctx: AppContext, target: CallTarget): AccountHealth {
  const p = ctx.providers.policies.for(target);
  const now = ctx.now();
  const { calls, failures } = p.window.read(now);
  const rate = (c: { calls: number; failures: number }) => (c.calls === 0 ? 0 : Math.round((c.failures / c.calls) * 1000) / 1000);
  return {
    breaker: {
      state: STATE_NAMES[p.breaker.state], since: new Date(p.since).toISOString(), half_open_after_ms: ctx.config.PAYGATE_BREAKER_HALF_OPEN_MS,
      opened_with: p.openedWith ? { ...p.openedWith, failure_rate: rate(p.openedWith) } : null,
    },
    window: { duration_ms: p.window.windowMs, calls, failures, failure_rate: rate({ calls, failures }) },
    bulkhead: { executing: ctx.config.PAYGATE_PROVIDER_BULKHEAD - p.bulkhead.executionSlots, queued: p.queueLimit - p.bulkhead.queueSlots, limit: ctx.config.PAYGATE_PROVIDER_BULKHEAD },
    last_error: p.lastError ? { code: p.lastError.code, message: p.lastError.message, at: new Date(p.lastError.at).toISOString() } : null,
  };
}
