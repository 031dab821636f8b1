import type { KeyObject } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { BillControls } from '../common/bill-controls.js';
import type { HostContext } from '../common/host.js';
import type { ShortLivedTokens } from '../common/tokens.js';
import type { BillPlan } from './bill-file.js';
import type { PlatformKeys, Signer } from './keys.js';
import type { Orders } from './orders.js';
import type { Store } from './store.js';

/** What the route modules need from the simulator instance. */
export interface SimContext extends HostContext {
  store: Store;
  orders: Orders;
  keys: PlatformKeys;
  /** download_url tokens; the plan is fixed when the hash is handed out and replayed on download, so hash and download always agree. */
  bills: ShortLivedTokens<{ mchid: string; plan: BillPlan }>;
  /** Discrepancies, faults and synthetic days for the bills (POST /_bills/...). */
  billControls: BillControls;
  /** The registered merchant's API public key, parsed once. */
  merchantKey(mchid: string): KeyObject | undefined;
  /** The key that signs this merchant's answers and notifications (per its verification mode). */
  signerFor(mchid: string | undefined): Signer;
  /** The request body exactly as received ('' when none): signatures are checked over it. */
  rawBody(req: FastifyRequest): string;
}
