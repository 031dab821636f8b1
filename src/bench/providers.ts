/**
 * The providers the bench drives, what a create and a notification cost each of them in
 * crypto (for the theoretical one-core ceilings), and what each provider's success ack is.
 * Written out here rather than read from the connectors: the bench checks the gateway
 * against the providers' documented behaviour, not against itself.
 */
import type { RsaRates } from './baselines.js';

export const PROVIDERS = ['alipay', 'wechatpay', 'unionpay', 'paypal', 'stripe'] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface ProviderSpec {
  provider: Provider;
  method: 'alipay_qr' | 'wechat_native' | 'unionpay_qr' | 'paypal' | 'stripe';
  currency: 'CNY' | 'USD';
  /** RSA-2048 operations per create, gateway and simulator together; absent when a create does no RSA. */
  createRsa?: { signs: number; verifies: number };
  /** One line: which crypto a create does, in order. */
  createCrypto: string;
  /** Anything else a create sets off that lands in its measurement window. */
  createNote?: string;
  /** RSA verifies per notification at the gateway; absent when there is none (Stripe: HMAC). */
  notifyVerifies?: number;
  notifyCrypto: string;
  /** The notification's kind, as the provider names it. */
  notifyEvent: string;
  /** What the gateway must answer for the provider to stop retrying: status and exact body. */
  ack: { status: number; body: string };
}

export const SPECS: Readonly<Record<Provider, ProviderSpec>> = {
  alipay: {
    provider: 'alipay', method: 'alipay_qr', currency: 'CNY',
    createRsa: { signs: 2, verifies: 2 },
    createCrypto: 'gateway RSA sign + simulator verify + simulator sign + gateway verify',
    notifyVerifies: 1, notifyCrypto: '1 RSA verify', notifyEvent: 'TRADE_SUCCESS',
    ack: { status: 200, body: 'success' },
  },
  wechatpay: {
    provider: 'wechatpay', method: 'wechat_native', currency: 'CNY',
    createRsa: { signs: 2, verifies: 2 },
    createCrypto: 'gateway RSA sign (Authorization) + simulator verify + simulator sign (Wechatpay-Signature) + gateway verify',
    notifyVerifies: 1, notifyCrypto: '1 RSA verify + AES-256-GCM decrypt', notifyEvent: 'TRANSACTION.SUCCESS',
    // 204 without a body is WeChat Pay's documented success answer.
    ack: { status: 204, body: '' },
  },
  unionpay: {
    provider: 'unionpay', method: 'unionpay_qr', currency: 'CNY',
    createRsa: { signs: 2, verifies: 4 },
    createCrypto: 'as WeChat, plus the gateway checks the answer\'s signPubKeyCert chain leaf←middle←root (2 more verifies; X.509 parsing not counted)',
    createNote: 'the gateway also queries each open order 1, 3, 7… s after create (UnionPay\'s query schedule; same crypto as a create); '
      + 'those inside the window are part of its figure, counted as unionpay/query in its checks line',
    notifyVerifies: 3, notifyCrypto: 'X.509 parse + chain (2 RSA verifies) + signature (1 RSA verify)', notifyEvent: 'consume 01/07 respCode 00',
    ack: { status: 200, body: 'ok' },
  },
  paypal: {
    provider: 'paypal', method: 'paypal', currency: 'USD',
    createCrypto: 'bearer OAuth token (fetched once, then cached), JSON over loopback HTTP',
    notifyVerifies: 1, notifyCrypto: 'CRC-32 + X.509 parse of the cached cert + 1 RSA verify', notifyEvent: 'PAYMENT.CAPTURE.COMPLETED',
    ack: { status: 200, body: '{}' },
  },
  stripe: {
    provider: 'stripe', method: 'stripe', currency: 'USD',
    createCrypto: 'secret-key bearer, form POST (Checkout Session), nothing signed',
    notifyCrypto: 'HMAC-SHA256 only', notifyEvent: 'payment_intent.succeeded',
    ack: { status: 200, body: '{"received":true}' },
  },
};

/** One core doing nothing but a create's RSA operations; undefined when a create does none. */
export function createCeiling(spec: ProviderSpec, r: RsaRates): number | undefined {
  const c = spec.createRsa;
  return c ? 1 / (c.signs / r.signPerSec + c.verifies / r.verifyPerSec) : undefined;
}

/** One core doing nothing but a notification's RSA verifies; undefined without RSA. */
export function notifyCeiling(spec: ProviderSpec, r: RsaRates): number | undefined {
  return spec.notifyVerifies ? r.verifyPerSec / spec.notifyVerifies : undefined;
}

const ALIASES: Readonly<Record<string, Provider>> = Object.fromEntries(
  PROVIDERS.flatMap((p) => [[p, p], [SPECS[p].method, p]]),
);

/** PAYGATE_BENCH_PROVIDERS: provider or method names, comma-separated; empty or unset means all. Unknown names are an error, not silently skipped. */
export function parseProviders(raw: string | undefined): Provider[] {
  const names = (raw ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (names.length === 0) return [...PROVIDERS];
  const unknown = names.filter((n) => !(n in ALIASES));
  if (unknown.length > 0) throw new Error(`PAYGATE_BENCH_PROVIDERS: unknown ${unknown.join(', ')}; use any of ${PROVIDERS.join(', ')} (or their methods)`);
  const chosen = new Set(names.map((n) => ALIASES[n]));
  // Always in the canonical order, so runs with different selections line up.
  return PROVIDERS.filter((p) => chosen.has(p));
}
