/**
 * The gateway under test and its two scenarios: create-payment (API → connector → loopback
 * HTTP to the in-process Alipay simulator and back, RSA2 both ways) and notification ingest
 * (signed TRADE_SUCCESS → verify → observePayment transaction → "success").
 */
import crypto from 'node:crypto';
import { createRuntime, type Runtime } from '../runtime.js';
import { createSandboxMerchant } from '../sandbox/index.js';
import { loadAccount } from '../app/accounts.js';
import { createPayment } from '../app/payments.js';
import type { AlipayCredentials } from '../connectors/alipay/index.js';
import { loadSimulatorAlipayKey, tradeSuccessBody } from './alipay-notify.js';
import { runLoad, warmAndRun, type LoadResult } from './load.js';

export const PAYMENT_AMOUNT = 8888;

export interface BenchGateway {
  rt: Runtime;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  dataDir: string;
  merchantId: string;
  secretKey: string;
  accountId: string;
  appId: string;
}

export async function startBenchGateway(dataDir: string, databaseUrl: string | undefined): Promise<BenchGateway> {
  const rt = await createRuntime({
    ...process.env,
    PORT: '0', HOST: '127.0.0.1', PAYGATE_DATA_DIR: dataDir, LOG_LEVEL: 'silent',
    // Real time: first poll is 60 s away, so background jobs stay out of a 10 s window.
    PAYGATE_TIME_SCALE: '1', PAYGATE_SANDBOX_TIME_SCALE: undefined, PAYGATE_PUBLIC_URL: undefined,
    PAYGATE_MASTER_KEY: crypto.randomBytes(32).toString('base64'),
    PAYGATE_ADMIN_TOKEN: `adm_${crypto.randomBytes(24).toString('base64url')}`,
    // Explicitly unset for SQLite: an inherited DATABASE_URL must not redirect the run.
    DATABASE_URL: databaseUrl,
  });
  try {
    await rt.listen();
    const m = await createSandboxMerchant(rt.ctx, rt.simulators, `Bench ${crypto.randomBytes(3).toString('hex')}`);
    const accountId = m.provider_accounts[0]?.id;
    if (!accountId) throw new Error('sandbox merchant has no Alipay account (are simulators enabled?)');
    const acc = await loadAccount(rt.ctx, accountId);
    if (!acc) throw new Error(`provider account ${accountId} did not load`);
    const appId = (acc.credentials as AlipayCredentials).appId;
    return { rt, url: rt.ctx.publicUrl(), dataDir, merchantId: m.id, secretKey: m.secret_key, accountId, appId };
  } catch (err) {
    await rt.stop();
    throw err;
  }
}

export interface LoadSettings {
  connections: number;
  durationSec: number;
  warmupSec: number;
}

export function createPaymentBody(orderId: string): string {
  return JSON.stringify({ amount: PAYMENT_AMOUNT, currency: 'CNY', method: 'alipay_qr', merchant_order_id: orderId, description: 'bench' });
}

export function benchCreate(gw: BenchGateway, s: LoadSettings): Promise<LoadResult> {
  return warmAndRun({
    url: `${gw.url}/v1/payments`,
    headers: { authorization: `Bearer ${gw.secretKey}`, 'content-type': 'application/json' },
    connections: s.connections,
    // autocannon replaces [<id>] with a fresh url-safe id per request: a new order every time.
    bodyTemplate: createPaymentBody('bench-[<id>]'),
    expectStatus: 201,
  }, s.warmupSec, s.durationSec);
}

/** Open payments of this merchant that the simulator accepted (qr_code set): notification targets. */
async function openAttempts(gw: BenchGateway, limit: number): Promise<Array<{ payment_id: string; provider_reference: string }>> {
  return gw.rt.ctx.db.selectFrom('attempts').innerJoin('payments', 'payments.id', 'attempts.payment_id')
    .select(['attempts.payment_id', 'attempts.provider_reference'])
    .where('attempts.merchant_id', '=', gw.merchantId).where('payments.status', '=', 'requires_action')
    .where('attempts.qr_code', 'is not', null).where('payments.amount', '=', PAYMENT_AMOUNT)
    .orderBy('attempts.id').limit(limit).execute();
}

/** Ensures `count` open payments exist, topping up (16 at a time, through the simulator) what the create bench left. */
async function ensureOpenPayments(gw: BenchGateway, count: number): Promise<{ rows: Array<{ payment_id: string; provider_reference: string }>; created: number }> {
  const have = (await openAttempts(gw, count)).length;
  const created = Math.max(0, count - have);
  let missing = created;
  const worker = async () => {
    while (missing > 0) {
      missing--;
      await createPayment(gw.rt.ctx, gw.merchantId, { amount: PAYMENT_AMOUNT, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `topup-${crypto.randomUUID()}` });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  const rows = await openAttempts(gw, count);
  if (rows.length < count) throw new Error(`only ${rows.length} of ${count} open payments available for the notify bench`);
  return { rows, created };
}

export interface NotifyOutcome {
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

export async function benchNotify(gw: BenchGateway, count: number, s: LoadSettings): Promise<NotifyOutcome> {
  // A small warm-up slice gets its own payments: each notification may only be "new" once.
  const warmup = Math.min(500, Math.max(s.connections, Math.round(count / 10)));
  const { rows, created } = await ensureOpenPayments(gw, warmup + count);
  const key = loadSimulatorAlipayKey(gw.dataDir);
  const signStart = performance.now();
  const now = Date.now();
  const bodies = rows.map((r) => tradeSuccessBody({ appId: gw.appId, outTradeNo: r.provider_reference, amountMinor: PAYMENT_AMOUNT, now }, key));
  const signSec = (performance.now() - signStart) / 1000;
  const spec = {
    url: `${gw.url}/notify/alipay/${gw.accountId}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    connections: s.connections,
    expectStatus: 200,
    expectBody: 'success',
  };
  await runLoad({ ...spec, bodies: bodies.slice(0, warmup) });
  const load = await runLoad({ ...spec, bodies: bodies.slice(warmup) });
  const measured = rows.slice(warmup).map((r) => r.payment_id);
  return { load, expected: count, warmup, toppedUp: created, succeeded: await countIn(gw, measured, 'succeeded'), accepted: await countIn(gw, measured, 'accepted'), signSec };
}
