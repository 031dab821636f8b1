import type { KeyObject } from 'node:crypto';
import type { BillControls } from '../common/bill-controls.js';
import type { SandboxCa } from './ca.js';
import type { Signer } from './crypto.js';
import type { HostContext } from '../common/host.js';
import type { ShortLivedTokens } from '../common/tokens.js';
import type { AlipayKeyPair } from './keys.js';
import type { AppRow, Store } from './store.js';
import type { Trades } from './trades.js';

/** What the route modules need from the simulator instance. */
export interface SimContext extends HostContext {
  store: Store;
  trades: Trades;
  keys: AlipayKeyPair;
  /** Certificate mode: the sandbox CA and Alipay's (rotatable) signing certificates. */
  ca: SandboxCa;
  /** Who signs answers for this app: Alipay's key, or in certificate mode its current certificate's. */
  signerFor(app: AppRow | undefined): Signer;
  /** bill_download_url tokens: which app's bill of which day. */
  bills: ShortLivedTokens<{ appId: string; date: string }>;
  /** Per app_id and day: discrepancies, a fault, or a synthetic bill (POST /_bills/…). */
  billControls: BillControls;
  /** The registered app's public key, parsed once. */
  appPublicKey(appId: string): KeyObject | undefined;
}
