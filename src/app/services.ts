/**
 * The services a node keeps between requests, built explicitly by the composition root
 * (runtime.ts, createNodeServices) and carried on the app context, instead of module-level
 * maps keyed by the context: what the node knows about provider accounts (provider-gateway.ts)
 * the per-payment work it coalesces (buyer queries, captures) and its log budgets.
 */
import type { PaymentStatus } from '../domain/payment-state.js';
import type { PolicyDeps } from './account-policies.js';
import { ProviderGateway } from './provider-gateway.js';
import { SharedRuns } from './shared-runs.js';

/** Payments remembered per node; past it the oldest are forgotten (at worst one more query each). */
const MAX_TRACKED = 10_000;

/** Buyer-triggered provider queries (buyer-query.ts): the ones under way, and when each payment's last one started. */
export class BuyerQueries {
  readonly inflight = new SharedRuns<void>();
  /** Payment id → when its last buyer-triggered query started; insertion order = age. */
  readonly #started = new Map<string, number>();

  lastStarted(paymentId: string): number | undefined {
    return this.#started.get(paymentId);
  }

  remember(paymentId: string, at: number): void {
    this.#started.delete(paymentId);
    this.#started.set(paymentId, at);
    for (const oldest of this.#started.keys()) {
      if (this.#started.size <= MAX_TRACKED) break;
      this.#started.delete(oldest);
    }
  }
}

/**
 * Fixed one-minute windows per key on this node (how many lines of one kind the log gets a
 * minute; for notifications.ts's unknown-account warnings, which still keep their own map).
 */
export class MinuteBudgets {
  readonly #windows = new Map<string, { start: number; n: number }>();

  /** Spends one of `key`'s budget; true while within `limit` this minute. Keys are few (kinds of line, account ids). */
  take(key: string, limit: number, now: number): boolean {
    let w = this.#windows.get(key);
    if (!w || now - w.start >= 60_000) this.#windows.set(key, (w = { start: now, n: 0 }));
    w.n++;
    return w.n <= limit;
  }
}

/** What a capture came to (capture.ts): the payment transition it caused, or undefined when nothing was captured. */
export type CaptureResult = { changed: boolean; from: PaymentStatus; to: PaymentStatus } | undefined;

export interface NodeServices {
  /** Resilience policies, OAuth tokens, parsed credentials, warning windows, notification material. */
  readonly providers: ProviderGateway;
  readonly buyerQueries: BuyerQueries;
  /** Captures under way, by payment: callers for one payment share one capture. */
  readonly captures: SharedRuns<CaptureResult>;
  readonly logBudgets: MinuteBudgets;
}

export function createNodeServices(deps: PolicyDeps): NodeServices {
  return { providers: new ProviderGateway(deps), buyerQueries: new BuyerQueries(), captures: new SharedRuns<CaptureResult>(), logBudgets: new MinuteBudgets() };
}
