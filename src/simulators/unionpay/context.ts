import type { BillControls } from '../common/bill-controls.js';
import type { HostContext } from '../common/host.js';
import type { Ca } from './ca.js';
import type { Store } from './store.js';
import type { Txns } from './txns.js';

/** What the route modules need from the simulator instance. */
export interface SimContext extends HostContext {
  store: Store;
  ca: Ca;
  txns: Txns;
  /** Discrepancies, faults and synthetic bills for the file transfer (76/01) answer. */
  bills: BillControls;
}
