/**
 * The services a node keeps between requests, built explicitly by the composition root
 * (runtime.ts, createNodeServices) and carried on the app context, instead of module-level
 * maps keyed by the context: what the node knows about provider accounts (provider-gateway.ts)
 * the per-payment work it coalesces (buyer queries, captures) and its log budgets.
 */
import { hostname } from 'node:os';
import type { PaymentStatus } from '../domain/payment-state.js';
import type { PolicyDeps } from './account-policies.js';
import { ProviderGateway } from './provider-gateway.js';
import { SharedRuns } from './shared-runs.js';
import { openGeoIp, type GeoIp } from '../infra/risk/geoip.js';

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

/**
 * Long work this node runs in the background (reconciliation runs): each can be aborted, and
 * close() aborts them all and waits, so shutdown never leaves a run writing to a closed pool.
 * A run aborted this way is marked failed by its own error path and can be run again.
 */
export class BackgroundRuns {
  /** Names this node in the rows its runs write (reconciliation_runs.node). */
  constructor(readonly node: string = `${hostname()}:${process.pid}`) {}
  readonly #runs = new Map<string, { abort: AbortController; done: Promise<void> }>();

  get size(): number { return this.#runs.size; }

  start(id: string, run: (signal: AbortSignal) => Promise<void>): void {
    const abort = new AbortController();
    const done = run(abort.signal).catch(() => undefined).finally(() => this.#runs.delete(id));
    this.#runs.set(id, { abort, done });
  }

  /** Resolves when the run of that id (if this node has it) has finished. */
  async settled(id: string): Promise<void> { await this.#runs.get(id)?.done; }

  async close(): Promise<void> {
    const all = [...this.#runs.values()];
    for (const r of all) r.abort.abort(new Error('node shutting down'));
    await Promise.all(all.map((r) => r.done));
  }
}

/** The offline geo-IP database (infra/risk/geoip.ts), read on first use: about 8 MB this node only needs once a payment carries a client_ip. */
export class LazyGeoIp {
  #geo: GeoIp | undefined;
  constructor(readonly file?: string) {}
  country(address: string): string | null {
    this.#geo ??= openGeoIp(this.file === undefined ? {} : { file: this.file });
    return this.#geo.country(address);
  }
}

export interface NodeServices {
  /** Resilience policies, OAuth tokens, parsed credentials, warning windows, notification material. */
  readonly providers: ProviderGateway;
  readonly buyerQueries: BuyerQueries;
  /** Captures under way, by payment: callers for one payment share one capture. */
  readonly captures: SharedRuns<CaptureResult>;
  readonly logBudgets: MinuteBudgets;
  /** Reconciliation runs under way on this node. */
  readonly background: BackgroundRuns;
  /** Country of an IP address (payer_country's default, risk rules). */
  readonly geo: LazyGeoIp;
}

export function createNodeServices(deps: PolicyDeps): NodeServices {
  return { providers: new ProviderGateway(deps), buyerQueries: new BuyerQueries(), captures: new SharedRuns<CaptureResult>(), logBudgets: new MinuteBudgets(), background: new BackgroundRuns(), geo: new LazyGeoIp() };
}
