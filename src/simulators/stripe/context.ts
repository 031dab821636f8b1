import type { Faults } from '../common/faults.js';
import type { Notifier } from './notifier.js';
import type { Store } from './store.js';

/** What the route and ledger modules need from the simulator instance. */
export interface SimContext {
  store: Store;
  notifier: Notifier;
  faults(): Faults;
  /** e.g. http://127.0.0.1:8080/sandbox/stripe — where the hosted checkout pages live. */
  publicBaseUrl(): string;
  now(): number;
  /** A delay that close() cuts short, so injected latency/hangs never block shutdown. */
  sleep(ms: number): Promise<void>;
  random(): number;
  log(message: string): void;
}

export const unix = (ms: number): number => Math.floor(ms / 1000);
