/**
 * What this node remembers about provider accounts between calls, built once by the
 * composition root (runtime.ts) and carried on the app context as ctx.providers — never
 * module state, so every runtime (and every test) starts from nothing and two runtimes in one
 * process share nothing:
 * - each account's resilience policy (account-policies.ts, used by resilience.ts);
 * - OAuth bearer tokens and the fetches under way (provider-auth.ts);
 * - parsed credentials, kept while the sealed text is unchanged (accounts.ts);
 * - the once-a-minute "provider did not answer" windows (provider-warn.ts);
 * - notification material such as PayPal's signing certificates (notification-material.ts).
 * All of it is per node and in memory: each node learns an account's health from its own calls.
 */
import type { AuthResult, WireResponse } from '../connectors/types.js';
import type { ErrorCode } from '../domain/errors.js';
import { AccountPolicies, type PolicyDeps } from './account-policies.js';
import { SharedRuns } from './shared-runs.js';

export interface CachedToken { token: string; expiresAt: number; refreshAt: number }
export interface ParsedCredentials { sealed: string; credentials: unknown }
export interface WarnWindow { until: number; suppressed: number }
export type Material = { ok: true; response?: WireResponse } | { ok: false; code: ErrorCode; message: string };

/** Good material answers by URL, bounded: the oldest goes first. */
export class MaterialCache {
  readonly #entries = new Map<string, WireResponse>();
  readonly fetches = new SharedRuns<Material>();
  constructor(private readonly maxEntries = 64) {}
  get(key: string): WireResponse | undefined {
    return this.#entries.get(key);
  }
  put(key: string, res: WireResponse): void {
    const oldest = this.#entries.keys().next();
    if (this.#entries.size >= this.maxEntries && !oldest.done) this.#entries.delete(oldest.value);
    this.#entries.set(key, res);
  }
}

export class ProviderGateway {
  readonly policies: AccountPolicies;
  readonly tokens = new Map<string, CachedToken>();
  readonly tokenFetches = new SharedRuns<AuthResult>();
  readonly credentials = new Map<string, ParsedCredentials>();
  readonly warnings = new Map<string, WarnWindow>();
  readonly material = new MaterialCache();

  constructor(deps: PolicyDeps) {
    this.policies = new AccountPolicies(deps);
  }
}
