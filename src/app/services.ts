/**
 * The services a node keeps between requests, built explicitly by the composition root
 * (runtime.ts, createNodeServices) and carried on the app context, instead of module-level
 * maps keyed by the context: what the node knows about provider accounts (provider-gateway.ts)
 * and the per-payment work it coalesces (buyer queries, captures).
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

/** What a capture came to (capture.ts): the payment transition it caused, or undefined when nothing was captured. */
export type CaptureResult = { changed: boolean; from: PaymentStatus; to: PaymentStatus } | undefined;

export interface NodeServices {
  /** Resilience policies, OAuth tokens, parsed credentials, warning windows, notification material. */
  readonly providers: ProviderGateway;
  readonly buyerQueries: BuyerQueries;
  /** Captures under way, by payment: callers for one payment share one capture. */
  readonly captures: SharedRuns<CaptureResult>;
}

export function createNodeServices(deps: PolicyDeps): NodeServices {
  return { providers: new ProviderGateway(deps), buyerQueries: new BuyerQueries(), captures: new SharedRuns<CaptureResult>() };
}
