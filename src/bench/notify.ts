/**
 * The notification-ingest scenario, the same for every provider: pre-created open payments,
 * one pre-signed success notification each (signed by the provider's module here, never by
 * the gateway's code), sent once each; then every answer must have been the provider's
 * success ack, every payment must be succeeded and every notification recorded accepted.
 */
import crypto from 'node:crypto';
import { createPayment } from '../app/payments/index.js';
import { PAYMENT_AMOUNT, parkPolls, providerCalls, countsSince, type BenchGateway, type LoadSettings } from './gateway.js';
import { alipaySigner } from './alipay-notify.js';
import { runLoad, type LoadResult } from './load.js';
import { paypalSigner } from './notify-paypal.js';
import { stripeSigner } from './notify-stripe.js';
import { unionpaySigner } from './notify-unionpay.js';
import { wechatpaySigner } from './notify-wechatpay.js';
import type { NotifyTarget, Signer } from './notify-common.js';
import type { Provider, ProviderSpec } from './providers.js';

/** Each provider's signer, given the running gateway (keys and credentials are read once, up front). */
const SIGNERS: Readonly<Record<Provider, (gw: BenchGateway) => Promise<Signer>>> = {
  alipay: alipaySigner,
  wechatpay: wechatpaySigner,
  unionpay: unionpaySigner,
  paypal: paypalSigner,
  stripe: stripeSigner,
};

/** Open payments of this merchant and provider that the simulator accepted (QR code or redirect set). */
async function openTargets(gw: BenchGateway, provider: Provider, limit: number): Promise<NotifyTarget[]> {
  const rows = await gw.rt.ctx.db.selectFrom('attempts').innerJoin('payments', 'payments.id', 'attempts.payment_id')
    .select(['attempts.payment_id', 'attempts.provider_reference', 'payments.amount', 'payments.currency'])
    .where('attempts.merchant_id', '=', gw.merchantId).where('attempts.provider', '=', provider).where('payments.status', '=', 'requires_action')
    .where((eb) => eb.or([eb('attempts.qr_code', 'is not', null), eb('attempts.redirect_url', 'is not', null)]))
    .where('payments.amount', '=', PAYMENT_AMOUNT)
    .orderBy('attempts.id').limit(limit).execute();
  return rows.map((r) => ({ paymentId: r.payment_id, reference: r.provider_reference, amount: r.amount, currency: r.currency }));
}

/** Ensures `count` open payments exist, topping up (16 at a time, through the simulator) what the create bench left. */
async function ensureOpenPayments(gw: BenchGateway, spec: ProviderSpec, count: number): Promise<{ targets: NotifyTarget[]; created: number }> {
  const have = (await openTargets(gw, spec.provider, count)).length;
  const created = Math.max(0, count - have);
  let missing = created;
  const worker = async () => {
    while (missing > 0) {
      missing--;
      await createPayment(gw.rt.ctx, gw.merchantId, { amount: PAYMENT_AMOUNT, currency: spec.currency, method: spec.method, merchant_order_id: `topup-${crypto.randomUUID()}` }, 'test');
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  // The top-up's own polls (UnionPay: from 1 s) must not run during the measurement.
  if (created > 0) await parkPolls(gw);
  const targets = await openTargets(gw, spec.provider, count);
  if (targets.length < count) throw new Error(`only ${targets.length} of ${count} open ${spec.method} payments available for the notify bench`);
  return { targets, created };
}

async function countIn(gw: BenchGateway, ids: string[], what: 'succeeded' | 'accepted'): Promise<number> {
  let n = 0;
  // Chunked: SQLite limits bound parameters per statement.
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const q = what === 'succeeded'
      ? gw.rt.ctx.db.selectFrom('payments').select((eb) => eb.fn.countAll<number | string>().as('n')).where('id', 'in', chunk).where('status', '=', 'succeeded')
      : gw.rt.ctx.db.selectFrom('notifications').select((eb) => eb.fn.countAll<number | string>().as('n')).where('payment_id', 'in', chunk).where('verdict', '=', 'accepted');
    const row = await q.executeTakeFirstOrThrow();
    n += Number(row.n); // PostgreSQL returns count(*) as a string
  }
  return n;
}

export interface NotifyOutcome {
  provider: Provider;
  load: LoadResult;
  /** Measured notifications sent (one per payment); warm-up ones come on top. */
  expected: number;
  warmup: number;
  /** Payments created just for this (the create bench's leftovers are used first). */
  toppedUp: number;
  /** Of the measured payments: how many ended `succeeded`, and how many notifications were recorded `accepted`. */
  succeeded: number;
  accepted: number;
  /** Seconds spent pre-signing (main thread, not part of the measurement). */
  signSec: number;
  /** Outbound requests of the gateway during warm-up and measured run (PayPal: certificate downloads). */
  outbound: { warmup: Record<string, number>; measured: Record<string, number> };
  /** Provider calls during the measured run (should be none: ingest needs no provider call). */
  calls: Record<string, number>;
}

export async function benchNotify(gw: BenchGateway, spec: ProviderSpec, count: number, s: LoadSettings): Promise<NotifyOutcome> {
  // A small warm-up slice gets its own payments: each notification may only be "new" once.
  // At least `connections` of them, so the first concurrent wave (cold caches) is in it.
  const warmup = Math.min(500, Math.max(s.connections, Math.round(count / 20)));
  const { targets, created } = await ensureOpenPayments(gw, spec, warmup + count);
  const sign = await SIGNERS[spec.provider](gw);
  const signStart = performance.now();
  // Signed just before sending: WeChat, Stripe and PayPal refuse signatures older than 5 minutes.
  const signed = sign(targets);
  const signSec = (performance.now() - signStart) / 1000;
  const load = {
    url: `${gw.url}/notify/${spec.provider}/${gw.accounts[spec.provider]}`,
    headers: {},
    connections: s.connections,
    expectStatus: spec.ack.status,
    expectBody: spec.ack.body,
  };
  const part = (from: number, to?: number) => ({ bodies: signed.slice(from, to).map((n) => n.body), headersPerBody: signed.slice(from, to).map((n) => n.headers) });
  const out0 = new Map(gw.outbound);
  await runLoad({ ...load, ...part(0, warmup) });
  const out1 = new Map(gw.outbound);
  const calls0 = await providerCalls(gw);
  const result = await runLoad({ ...load, ...part(warmup) });
  const calls = countsSince(await providerCalls(gw), calls0);
  const outbound = { warmup: countsSince(out1, out0), measured: countsSince(gw.outbound, out1) };
  const measured = targets.slice(warmup).map((t) => t.paymentId);
  return {
    provider: spec.provider, load: result, expected: count, warmup, toppedUp: created, signSec, outbound, calls,
    succeeded: await countIn(gw, measured, 'succeeded'), accepted: await countIn(gw, measured, 'accepted'),
  };
}
