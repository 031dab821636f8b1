import type { BillControls } from '../common/bill-controls.js';
import type { HostContext } from '../common/host.js';
import type { SigningKeys } from './keys.js';
import type { Notifier } from './notifier.js';
import type { Store } from './store.js';

/** Counters tests read to prove exactly-once behaviour. */
export interface SimStats {
  /** Capture POSTs that reached the handler, per order id (replays included). */
  captureRequests: Map<string, number>;
  /** 422 ORDER_ALREADY_CAPTURED answers, per order id: a second, non-idempotent capture attempt. */
  alreadyCaptured: Map<string, number>;
}

export interface SimContext extends HostContext {
  store: Store;
  notifier: Notifier;
  keys: SigningKeys;
  stats: SimStats;
  /** Access-token lifetime in seconds (PayPal: 32400). */
  tokenTtlSeconds: number;
  /** What transaction search lists per day (discrepancies, faults, synthetic days): sandbox controls. */
  bills: BillControls;
  /** Rows a transaction search window may hold before PayPal answers RESULTSET_TOO_LARGE. */
  searchMaxResults: number;
}
