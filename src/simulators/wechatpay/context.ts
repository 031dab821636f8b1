import type { KeyObject } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { HostContext } from '../common/host.js';
import type { ShortLivedTokens } from '../common/tokens.js';
import type { PlatformKeys, Signer } from './keys.js';
import type { Orders } from './orders.js';
import type { Store } from './store.js';

/** What the route modules need from the simulator instance. */
export interface SimContext extends HostContext {
  store: Store;
  orders: Orders;
  keys: PlatformKeys;
  /** download_url tokens; the file is built once, when the hash is handed out, so hash and download always agree. */
  bills: ShortLivedTokens<{ mchid: string; gzip: boolean; file: Buffer }>;
  /** The registered merchant's API public key, parsed once. */
  merchantKey(mchid: string): KeyObject | undefined;
  /** The key that signs this merchant's answers and notifications (per its verification mode). */
  signerFor(mchid: string | undefined): Signer;
  /** The request body exactly as received ('' when none): signatures are checked over it. */
  rawBody(req: FastifyRequest): string;
}
