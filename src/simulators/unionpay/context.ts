import type { Faults } from '../common/faults.js';
import type { Ca } from './ca.js';
import type { Store } from './store.js';
import type { Txns } from './txns.js';

/** What the route modules need from the simulator instance. */
export interface SimContext {
  store: Store;
  ca: Ca;
  txns: Txns;
  faults(): Faults;
  publicBaseUrl(): string;
  now(): number;
  /** A delay that close() cuts short, so injected hangs never block shutdown. */
  sleep(ms: number): Promise<void>;
  random(): number;
  log(message: string): void;
}
