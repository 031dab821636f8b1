/**
 * The per account resilience policy (cockatiel 3) and its bookkeeping, one per account per
 * node, kept by the node's ProviderGateway (provider-gateway.ts); resilience.ts runs calls
 * under it. Composition, outermost first:
 *   retry (repeatable operations only) → bulkhead → circuit breaker → timeout → the call.
 * Retry is outermost so every attempt is judged by the breaker and waits for a bulkhead slot
 * of its own, and a retry never sleeps while holding a slot. The breaker sits inside the
 * bulkhead so a queued call is judged by the breaker state when it runs, not when it queued.
 */
import {
  CircuitState, ExponentialBackoff, SamplingBreaker, TimeoutStrategy,
  bulkhead, circuitBreaker, handleWhenResult, retry, timeout,
  type BulkheadPolicy, type CircuitBreakerPolicy, type IBreaker, type ISamplingBreakerOptions, type RetryPolicy, type TimeoutPolicy,
} from 'cockatiel';
import type { ConnectorFailure } from '../connectors/types.js';
import type { ErrorCode } from '../domain/errors.js';
import type { Config } from '../infra/config.js';
import type { Metrics } from '../infra/metrics.js';
import type { AppLogger } from './logger.js';

export type BreakerState = 'closed' | 'open' | 'half_open' | 'isolated';

export interface CallTarget { provider: string; accountId: string }

const RETRIES = 2;

/**
 * What says "this account is unwell": no answer, a server error / "system busy" answer, an
 * answer we cannot read. Business answers (declined, order not found) and configuration
 * problems (our signature or credentials refused) say nothing about the provider's health.
 */
const BREAKER_FAILURES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['CONNECTOR.TIMEOUT', 'CONNECTOR.UNAVAILABLE', 'CONNECTOR.BAD_RESPONSE']);

type Outcome = { ok: true } | ConnectorFailure;
export const failed = (r: unknown): r is ConnectorFailure => (r as Outcome).ok === false;
export const countsAgainstBreaker = (r: unknown): boolean => failed(r) && BREAKER_FAILURES.has(r.code);
/** Timeouts are not repeated inline: each costs a full timeout, and the poll job learns the outcome later. */
const worthRetrying = (r: unknown): boolean => failed(r) && r.retryable && r.code !== 'CONNECTOR.TIMEOUT';

/** Calls and breaker failures over the last `windowMs`, in ten time slots. */
export class RollingCounts {
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
  constructor(private readonly opts: ISamplingBreakerOptions, private readonly now: () => number) {
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
    const now = this.now();
    if (now - this.#last > this.opts.duration) this.#inner = new SamplingBreaker(this.opts);
    this.#last = now;
  }
}

export interface AccountPolicy {
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

export const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed', [CircuitState.Open]: 'open', [CircuitState.HalfOpen]: 'half_open', [CircuitState.Isolated]: 'isolated',
};

/** What the policies are made from: the breaker, bulkhead and timeout settings, where state changes are reported, the clock. */
export interface PolicyDeps {
  config: Pick<Config, 'PAYGATE_BREAKER_HALF_OPEN_MS' | 'PAYGATE_BREAKER_THRESHOLD' | 'PAYGATE_BREAKER_WINDOW_MS' | 'PAYGATE_BREAKER_MIN_CALLS' | 'PAYGATE_PROVIDER_BULKHEAD' | 'PAYGATE_PROVIDER_TIMEOUT_MS'>;
  metrics: Pick<Metrics, 'breakerState' | 'breakerTransitions'>;
  log: AppLogger;
  now: () => number;
}

/**
 * This node's policies, by account. In memory: each node has its own breaker and learns an
 * account's health from its own calls.
 */
export class AccountPolicies {
  readonly #byAccount = new Map<string, AccountPolicy>();
  constructor(private readonly deps: PolicyDeps) {}

  /** The account's policy if it has made a call on this node. */
  get(accountId: string): AccountPolicy | undefined {
    return this.#byAccount.get(accountId);
  }

  /** The account's policy, made on its first call. */
  for(target: CallTarget): AccountPolicy {
    const existing = this.#byAccount.get(target.accountId);
    if (existing) return existing;
    const p = this.#make(target);
    this.#byAccount.set(target.accountId, p);
    return p;
  }

  #make(target: CallTarget): AccountPolicy {
    const { config: c, metrics, log, now } = this.deps;
    const breaker = circuitBreaker(handleWhenResult(countsAgainstBreaker), {
      halfOpenAfter: c.PAYGATE_BREAKER_HALF_OPEN_MS,
      breaker: new FreshSamplingBreaker({
        threshold: c.PAYGATE_BREAKER_THRESHOLD,
        duration: c.PAYGATE_BREAKER_WINDOW_MS,
        minimumRps: c.PAYGATE_BREAKER_MIN_CALLS / (c.PAYGATE_BREAKER_WINDOW_MS / 1000),
      }, now),
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
      since: now(), openedAt: 0, openedWith: null, window: new RollingCounts(c.PAYGATE_BREAKER_WINDOW_MS), lastError: null,
    };
    const labels = { provider: target.provider, provider_account_id: target.accountId };
    metrics.breakerState.set(labels, CircuitState.Closed);
    breaker.onStateChange((state) => {
      p.since = now();
      if (state === CircuitState.Open) {
        p.openedAt = p.since;
        // The failing call that opened it is already counted (measured() adds before the breaker sees the result).
        p.openedWith = p.window.read(p.since);
      }
      metrics.breakerState.set(labels, state);
      metrics.breakerTransitions.inc({ ...labels, to: STATE_NAMES[state] });
      const fields = { ...labels, breaker: STATE_NAMES[state], last_error: p.lastError?.code };
      if (state === CircuitState.Open) log.warn(fields, 'provider account circuit breaker opened: calls fail fast until a probe succeeds');
      else log.info(fields, 'provider account circuit breaker changed state');
    });
    return p;
  }
}
