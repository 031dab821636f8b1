import type { HostContext } from '../common/host.js';
import type { Notifier } from './notifier.js';
import type { Store } from './store.js';

/** What the route and ledger modules need from the simulator instance. */
export interface SimContext extends HostContext {
  store: Store;
  notifier: Notifier;
}

export const unix = (ms: number): number => Math.floor(ms / 1000);
