/**
 * Per provider account resilience (cockatiel 3), one policy per account per node:
 *   retry (repeatable operations only) → bulkhead → circuit breaker → timeout → the call.
 * Retry is outermost so every attempt is judged by the breaker and waits for a bulkhead slot
 * of its own, and a retry never sleeps while holding a slot. The breaker sits inside the
 * bulkhead so a queued call is judged by the breaker state when it runs, not when it queued.
 *
 * State lives in memory, per AppContext: each node has its own breaker and learns an
 * account's health from its own calls. Routing asks isCircuitOpen before choosing an account;
 * GET /admin/provider_accounts/{id}/health shows accountHealth.
 */
import {
  BrokenCircuitError, BulkheadRejectedError, CircuitState, ExponentialBackoff, SamplingBreaker, TimeoutStrategy,
  bulkhead, circuitBreaker, handleWhenResult, retry, timeout,
  type BulkheadPolicy, type CircuitBreakerPolicy, type IBreaker, type ISamplingBreakerOptions, type RetryPolicy, type TimeoutPolicy,
} from 'cockatiel';
import type { ConnectorFailure } from '../connectors/types.js';
import type { ErrorCode } from '../domain/errors.js';
import type { AppContext } from './context.js';

export type BreakerState = 'closed' | 'open' | 'half_open' | 'isolated';

export interface CallTarget { provider: string; accountId: string }

/**
 * Operations the provider de-duplicates, so sending one twice is harmless: reads, close,
 * refund (out_request_no / PayPal-Request-Id), capture (PayPal-Request-Id), token fetch.
 * Not create: a failing account is better left for routing to fall back from than retried
 * while the buyer waits.
 */
const REPEATABLE = new Set(['query', 'close', 'refund', 'refund_query', 'capture', 'auth']);
const RETRIES = 2;

/**
 * What says "this account is unwell": no answer, a server error / "system busy" answer, an
 * answer we cannot read. Business answers (declined, order not found) and configuration
 * problems (our signature or credentials refused) say nothing about the provider's health.
 */
const BREAKER_FAILURES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['CONNECTOR.TIMEOUT', 'CONNECTOR.UNAVAILABLE', 'CONNECTOR.BAD_RESPONSE']);

type Outcome = { ok: true } | ConnectorFailure;
const failed = (r: unknown): r is ConnectorFailure => (r as Outcome).ok === false;
const countsAgainstBreaker = (r: unknown): boolean => failed(r) && BREAKER_FAILURES.has(r.code);
/** Timeouts are not repeated inline: each costs a full timeout, and the poll job learns the outcome later. */
const worthRetrying = (r: unknown): boolean => failed(r) && r.retryable && r.code !== 'CONNECTOR.TIMEOUT';

/** Calls and breaker failures over the last `windowMs`, in ten time slots. */
class RollingCounts {
  readonly #slotMs: number;
  readonly #slots: Array<{ start: number; calls: number; failures: number }>;
  constructor(readonly windowMs: number, slots = 10) {
    this.#slotMs = Math.max(1, Math.ceil(windowMs / slots));
    this.#slots = Array.from({ length: slots }, () => ({ start: -Infinity, calls: 0, failures: 0 }));
  }
  add(failure: boolean, now: number): void {
    const start = now - (now % this.#slotMs);
    const slot = this.#slots[Math.floor(now / this.#slotMs) % this.#slots.length]!;
    if (slot.start !== start) Object.assign(slot, { start, calls: 0, failures: 0 });
    slot.calls++;
    if (failure) slot.failures++;
  }
  read(now: number): { calls: number; failures: number } {
    let calls = 0;
    let failures = 0;
    for (const s of this.#slots) {
      if (s.start > now - this.windowMs) {
        calls += s.calls;
        failures += s.failures;
      }
    }
    return { calls, failures };
  }
}

/**
 * SamplingBreaker advances one time slot per call, so after a quiet spell it still counts
 * failures from before it. A quiet spell longer than the window starts a fresh sample.
 */
class FreshSamplingBreaker implements IBreaker {
  #inner: SamplingBreaker;
  #last = 0;
  constructor(private readonly opts: ISamplingBreakerOptions) {
    this.#inner = new SamplingBreaker(opts);
  }
  get state(): unknown { return this.#inner.state; }
  set state(v: unknown) { this.#inner.state = v; }
  success(s: CircuitState): void {
    this.#refresh();
    this.#inner.success(s);
  }
  failure(s: CircuitState): boolean {
    this.#refresh();
    return this.#inner.failure(s);
  }
  #refresh(): void {
    const now = Date.now();
    if (now - this.#last > this.opts.duration) this.#inner = new SamplingBreaker(this.opts);
    this.#last = now;
  }
}

interface AccountPolicy {
  provider: string;
  breaker: CircuitBreakerPolicy;
  bulkhead: BulkheadPolicy;
  queueLimit: number;
  deadline: TimeoutPolicy;
  retry: RetryPolicy;
  since: number;
  openedAt: number;
  /** The window when the breaker last opened: the numbers that opened it, before later answers dilute them. */
  openedWith: { calls: number; failures: number } | null;
  window: RollingCounts;
  lastError: { code: string; message: string; at: number } | null;
}

const policies = new WeakMap<AppContext, Map<string, AccountPolicy>>();

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed', [CircuitState.Open]: 'open', [CircuitState.HalfOpen]: 'half_open', [CircuitState.Isolated]: 'isolated',
};

function policyFor(ctx: AppContext, target: CallTarget): AccountPolicy {
  let perCtx = policies.get(ctx);
  if (!perCtx) policies.set(ctx, (perCtx = new Map()));
  const existing = perCtx.get(target.accountId);
  if (existing) return existing;

  const c = ctx.config;
  const breaker = circuitBreaker(handleWhenResult(countsAgainstBreaker), {
    halfOpenAfter: c.PAYGATE_BREAKER_HALF_OPEN_MS,
    breaker: new FreshSamplingBreaker({
      threshold: c.PAYGATE_BREAKER_THRESHOLD,
      duration: c.PAYGATE_BREAKER_WINDOW_MS,
      minimumRps: c.PAYGATE_BREAKER_MIN_CALLS / (c.PAYGATE_BREAKER_WINDOW_MS / 1000),
    }),
  });
  // A short queue absorbs a burst; beyond it, waiting would only pile callers onto a slow account.
  const queueLimit = Math.max(1, Math.ceil(c.PAYGATE_PROVIDER_BULKHEAD / 4));
  const bh = bulkhead(c.PAYGATE_PROVIDER_BULKHEAD, queueLimit);
  // Cooperative: the transport aborts the request on this signal, so a timed-out call is really cancelled.
  const deadline = timeout(c.PAYGATE_PROVIDER_TIMEOUT_MS, TimeoutStrategy.Cooperative);
  const backoff = new ExponentialBackoff({ initialDelay: 100, maxDelay: 1_000 });
  const p: AccountPolicy = {
    provider: target.provider, breaker, bulkhead: bh, queueLimit,
    deadline, retry: retry(handleWhenResult(worthRetrying), { maxAttempts: RETRIES, backoff }),
    since: Date.now(), openedAt: 0, openedWith: null, window: new RollingCounts(c.PAYGATE_BREAKER_WINDOW_MS), lastError: null,
  };
  const labels = { provider: target.provider, provider_account_id: target.accountId };
  ctx.metrics.breakerState.set(labels, CircuitState.Closed);
  breaker.onStateChange((state) => {
    p.since = Date.now();
    if (state === CircuitState.Open) {
      p.openedAt = p.since;
      // The failing call that opened it is already counted (measured() adds before the breaker sees the result).
      p.openedWith = p.window.read(p.since);
    }
    ctx.metrics.breakerState.set(labels, state);
    ctx.metrics.breakerTransitions.inc({ ...labels, to: STATE_NAMES[state] });
    const log = { ...labels, breaker: STATE_NAMES[state], last_error: p.lastError?.code };
    if (state === CircuitState.Open) ctx.log.warn(log, 'provider account circuit breaker opened: calls fail fast until a probe succeeds');
    else ctx.log.info(log, 'provider account circuit breaker changed state');
  });
  perCtx.set(target.accountId, p);
  return p;
}

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
  const p = policyFor(ctx, target);
  const measured = async (signal: AbortSignal) => {
    const r = await attempt(signal);
    const now = Date.now();
    p.window.add(countsAgainstBreaker(r), now);
    if (failed(r)) p.lastError = { code: r.code, message: r.message, at: now };
    return r;
  };
  // Composed by hand with a signal of our own rather than with wrap(): without one, every
  // policy falls back to cockatiel's single shared never-aborted signal, and each concurrent
  // timeout hangs a listener on it (a MaxListenersExceeded warning at 11 calls in flight);
  // the breaker also re-runs calls that waited for a half-open probe without their signal.
  const own = new AbortController().signal;
  const once = () => p.bulkhead.execute(() => p.breaker.execute(() => p.deadline.execute(({ signal }) => measured(signal), own), own), own);
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
  const p = policies.get(ctx)?.get(accountId);
  if (!p) return false;
  const state = p.breaker.state;
  if (state === CircuitState.Isolated) return true;
  return state === CircuitState.Open && Date.now() - p.openedAt < ctx.config.PAYGATE_BREAKER_HALF_OPEN_MS;
}

export interface AccountHealth {
  breaker: { state: BreakerState; since: string; half_open_after_ms: number; opened_with: { calls: number; failures: number; failure_rate: number } | null };
  window: { duration_ms: number; calls: number; failures: number; failure_rate: number };
  bulkhead: { executing: number; queued: number; limit: number };
  last_error: { code: string; message: string; at: string } | null;
}

/** This node's view of the account: its breaker, its recent calls, its in-flight calls. */
export function accountHealth(ctx: AppContext, target: CallTarget): AccountHealth {
  const p = policyFor(ctx, target);
  const now = Date.now();
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
