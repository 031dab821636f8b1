/**
 * The gateway under test, with one sandbox merchant holding an account at every provider's
 * in-process simulator, and the create-payment scenario: API → connector → loopback HTTP to
 * the simulator and back (each provider's own crypto, see providers.ts), one new order per
 * request. Also the bench's instruments on the running gateway: provider-call counts (its
 * own metrics), outbound-request counts, and parking of background polls between scenarios.
 */
import crypto from 'node:crypto';
import { createRuntime, type Runtime } from '../runtime.js';
import { createSandboxMerchant } from '../sandbox/index.js';
import { runLoad, type LoadResult } from './load.js';
import { PROVIDERS, type Provider, type ProviderSpec } from './providers.js';

export const PAYMENT_AMOUNT = 8888;

export interface BenchGateway {
  rt: Runtime;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  dataDir: string;
  merchantId: string;
  secretKey: string;
  /** The merchant's provider account id per provider. */
  accounts: Record<Provider, string>;
  /** Outbound requests the gateway sent, by URL path (see countOutbound). */
  outbound: Map<string, number>;
}

/**
 * Counts what the gateway sends through its transport, by URL path. Needed for PayPal's
 * certificate download, which goes straight to the transport (not through callProvider,
 * so no metric sees it). A Map increment per request: negligible next to an HTTP call.
 */
function countOutbound(rt: Runtime): Map<string, number> {
  const counts = new Map<string, number>();
  const transport = rt.ctx.transport;
  const send = transport.send.bind(transport);
  transport.send = (req, timeoutMs, signal) => {
    const q = req.url.indexOf('?');
    const key = q < 0 ? req.url : req.url.slice(0, q);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return send(req, timeoutMs, signal);
  };
  return counts;
}

export async function startBenchGateway(dataDir: string, databaseUrl: string | undefined): Promise<BenchGateway> {
  const rt = await createRuntime({
    ...process.env,
    PORT: '0', HOST: '127.0.0.1', PAYGATE_DATA_DIR: dataDir, LOG_LEVEL: process.env.PAYGATE_BENCH_LOG_LEVEL ?? 'silent',
    // Real time: polls (except UnionPay's, from 1 s) are 60 s away; parkPolls handles the rest.
    PAYGATE_TIME_SCALE: '1', PAYGATE_SANDBOX_TIME_SCALE: undefined, PAYGATE_PUBLIC_URL: undefined,
    PAYGATE_MASTER_KEY: crypto.randomBytes(32).toString('base64'),
    PAYGATE_ADMIN_TOKEN: `adm_${crypto.randomBytes(24).toString('base64url')}`,
    // Explicitly unset for SQLite: an inherited DATABASE_URL must not redirect the run.
    DATABASE_URL: databaseUrl,
    // The bench runs the simulators on PostgreSQL too, which production mode refuses unless asked.
    PAYGATE_SIMULATORS: 'true', PAYGATE_WEBHOOK_ALLOWED_HOSTS: '127.0.0.0/8,::1,localhost',
  });
  try {
    const outbound = countOutbound(rt);
    await rt.listen();
    const m = await createSandboxMerchant(rt.ctx, rt.simulators, `Bench ${crypto.randomBytes(3).toString('hex')}`);
    const accounts: Partial<Record<Provider, string>> = {};
    for (const a of m.provider_accounts) if ((PROVIDERS as readonly string[]).includes(a.provider)) accounts[a.provider as Provider] = a.id;
    const missing = PROVIDERS.filter((p) => !accounts[p]);
    if (missing.length > 0) throw new Error(`sandbox merchant has no account for ${missing.join(', ')} (are simulators enabled?)`);
    return { rt, url: rt.ctx.publicUrl(), dataDir, merchantId: m.id, secretKey: m.secret_key, accounts: accounts as Record<Provider, string>, outbound };
  } catch (err) {
    await rt.stop();
    throw err;
  }
}

/** The account's row with its credentials as the merchant entered them (opened like the gateway does). */
export async function rawAccount(gw: BenchGateway, provider: Provider): Promise<{ id: string; baseUrl: string; credentials: Record<string, unknown> }> {
  const id = gw.accounts[provider];
  const row = await gw.rt.ctx.db.selectFrom('provider_accounts').select(['credentials_enc', 'base_url']).where('id', '=', id).executeTakeFirstOrThrow();
  const parsed: unknown = JSON.parse(gw.rt.ctx.vault.open(row.credentials_enc, `provider_account:${id}`));
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${provider} account ${id}: credentials are not an object`);
  return { id, baseUrl: row.base_url, credentials: parsed as Record<string, unknown> };
}

/** A string credential field, or a clear error naming it. */
export function credential(c: Record<string, unknown>, field: string): string {
  const v = c[field];
  if (typeof v !== 'string' || v === '') throw new Error(`provider credentials lack ${field}`);
  return v;
}

export interface LoadSettings {
  connections: number;
  durationSec: number;
  warmupSec: number;
}

export function createPaymentBody(spec: ProviderSpec, orderId: string): string {
  return JSON.stringify({ amount: PAYMENT_AMOUNT, currency: spec.currency, method: spec.method, merchant_order_id: orderId, description: 'bench' });
}

/** Provider calls the gateway made so far, from its own metrics: "provider/operation" (+ " <code>" unless ok) → count. */
export async function providerCalls(gw: BenchGateway): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const v of (await gw.rt.ctx.metrics.providerCalls.get()).values) {
    if (v.metricName !== 'paygate_provider_call_seconds_count') continue;
    const outcome = String(v.labels.outcome ?? '');
    const key = `${String(v.labels.provider ?? '?')}/${String(v.labels.operation ?? '?')}${outcome === 'ok' ? '' : ` ${outcome}`}`;
    out.set(key, (out.get(key) ?? 0) + v.value);
  }
  return out;
}

export function countsSince(after: Map<string, number>, before: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Every create schedules a status poll (UnionPay: 1, 2, 4… s after create; the others:
 * 60 s). The bench never pays its orders, so those polls would only re-ask the simulator
 * about open orders, in the middle of whichever scenario runs next and billed to it. Between
 * scenarios they are moved a day ahead; a poll running right now is waited for, because it
 * reschedules itself when done. Inside a scenario nothing is touched: the polls a create
 * window triggers itself (UnionPay) are part of its cost and are reported with it.
 */
export async function parkPolls(gw: BenchGateway): Promise<void> {
  const db = gw.rt.ctx.db;
  for (let i = 0; i < 200; i++) {
    const now = Date.now();
    await db.updateTable('jobs').set({ run_at: now + 86_400_000 }).where('kind', '=', 'poll_attempt').where('locked_by', 'is', null).where('run_at', '<', now + 3_600_000).execute();
    const busy = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number | string>().as('n')).where('kind', '=', 'poll_attempt').where('locked_by', 'is not', null).executeTakeFirstOrThrow();
    if (Number(busy.n) === 0) return;
    await sleep(50);
  }
  throw new Error('poll jobs still running after 10 s; cannot isolate the next scenario');
}

/** What became of one provider's attempts, counted in the attempts table. */
export interface AttemptCounts {
  /** Every attempt of this provider after the run (warm-up included, and requests autocannon cut off). */
  attempts: number;
  /** …with a QR code or redirect URL from the provider, i.e. created there. */
  ready: number;
  /** …with a provider error recorded: the 201 hid a failed provider call. */
  failed: number;
  /** …neither, 15 s after the load stopped. */
  stuck: number;
}

export interface CreateOutcome extends AttemptCounts {
  provider: Provider;
  load: LoadResult;
  /** Provider calls during the measured window, from the gateway's metrics. */
  calls: Record<string, number>;
  /** …and during the warm-up (PayPal's OAuth token fetch shows up here). */
  warmupCalls: Record<string, number>;
}

async function attemptCounts(gw: BenchGateway, provider: Provider): Promise<AttemptCounts> {
  const rows = await gw.rt.ctx.db.selectFrom('attempts')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('n'),
      eb.fn.count<number | string>('error_code').as('failed'),
      eb.fn.sum<number | string | null>(eb.case().when(eb.or([eb('qr_code', 'is not', null), eb('redirect_url', 'is not', null)])).then(1).else(0).end()).as('ready'),
    ])
    .where('merchant_id', '=', gw.merchantId).where('provider', '=', provider).executeTakeFirstOrThrow();
  // PostgreSQL returns count(*) and sum() as strings.
  const attempts = Number(rows.n);
  const ready = Number(rows.ready ?? 0);
  const failed = Number(rows.failed);
  return { attempts, ready, failed, stuck: attempts - ready - failed };
}

export async function benchCreate(gw: BenchGateway, spec: ProviderSpec, s: LoadSettings): Promise<CreateOutcome> {
  const load = {
    url: `${gw.url}/v1/payments`,
    headers: { authorization: `Bearer ${gw.secretKey}`, 'content-type': 'application/json' },
    connections: s.connections,
    // autocannon replaces [<id>] with a fresh url-safe id per request: a new order every time.
    bodyTemplate: createPaymentBody(spec, `bench-${spec.provider}-[<id>]`),
    expectStatus: 201,
  };
  const start = await providerCalls(gw);
  if (s.warmupSec > 0) await runLoad({ ...load, durationSec: s.warmupSec });
  const before = await providerCalls(gw);
  const result = await runLoad({ ...load, durationSec: s.durationSec });
  const calls = countsSince(await providerCalls(gw), before);
  const warmupCalls = countsSince(before, start);
  // Requests cut off when the duration ended are still being served: wait for them to land.
  let counts = await attemptCounts(gw, spec.provider);
  for (let i = 0; i < 150 && counts.stuck > 0; i++) {
    await sleep(100);
    counts = await attemptCounts(gw, spec.provider);
  }
  await parkPolls(gw);
  return { provider: spec.provider, load: result, ...counts, calls, warmupCalls };
}
