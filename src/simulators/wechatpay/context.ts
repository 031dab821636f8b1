import type { KeyObject } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { BillTokens } from './bills.js';
import type { Faults } from '../common/faults.js';
import type { PlatformKeys, Signer } from './keys.js';
import type { Orders } from './orders.js';
import type { Store } from './store.js';

/** What the route modules need from the simulator instance. */
export interface SimContext {
  store: Store;
  orders: Orders;
  keys: PlatformKeys;
  bills: BillTokens;
  faults(): Faults;
  /** e.g. http://127.0.0.1:8080/sandbox/wechatpay */
  publicBaseUrl(): string;
  now(): number;
  /** The registered merchant's API public key, parsed once. */
  merchantKey(mchid: string): KeyObject | undefined;
  /** The key that signs this merchant's answers and notifications (per its verification mode). */
  signerFor(mchid: string | undefined): Signer;
  /** The request body exactly as received ('' when none): signatures are checked over it. */
  rawBody(req: FastifyRequest): string;
  /** A delay that close() cuts short, so injected latency/hangs never block shutdown. */
  sleep(ms: number): Promise<void>;
  random(): number;
  log(message: string): void;
}
