/**
 * `npm run bench`: per database kind (SQLite in a temp dir, then a fresh PostgreSQL
 * database), measure a bare Fastify insert baseline, then for each provider the gateway's
 * create-payment throughput (alipay_qr, wechat_native, unionpay_qr in CNY; paypal and
 * stripe in USD) and its notification-ingest throughput (each provider's signed success
 * notification, pre-signed here); plus RSA sign/verify rates once. Gateway figures are
 * printed as ratios against those baselines, since absolute req/s only describe one machine.
 * With the defaults a run takes about 4–6 minutes on a 2-core machine.
 *
 * Knobs (env):
 *   PAYGATE_BENCH_SECONDS          measured seconds per create scenario (6)
 *   PAYGATE_BENCH_WARMUP_SECONDS   warm-up seconds before each create scenario and the baseline (2)
 *   PAYGATE_BENCH_CONNECTIONS      concurrent connections of the load generator (32)
 *   PAYGATE_BENCH_NOTIFY_N         measured notifications per provider, one per payment (1000;
 *                                  a warm-up slice of max(connections, N/20), at most 500, comes on top)
 *   PAYGATE_BENCH_PROVIDERS        comma-separated providers or methods (all: alipay,wechatpay,unionpay,paypal,stripe)
 *   PAYGATE_BENCH_DBS              "sqlite,postgres"
 *   PAYGATE_BENCH_PG_URL           admin URL of the PostgreSQL server (postgres://postgres@127.0.0.1:5432/postgres)
 * Exit code 1 if anything went wrong.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureRsa, startBarePg, startBareSqlite, type BareServer } from './baselines.js';
import { benchCreate, startBenchGateway, type BenchGateway, type LoadSettings } from './gateway.js';
import { stopLoad, warmAndRun } from './load.js';
import { benchNotify } from './notify.js';
import { PG_ADMIN_URL, createBenchDatabase, type BenchDatabase } from './pg.js';
import { SPECS, parseProviders } from './providers.js';
import { printReport, type DbKind, type DbResult, type RunInfo } from './report.js';
import { numEnv } from './env.js';

const settings: LoadSettings = {
  connections: numEnv('PAYGATE_BENCH_CONNECTIONS', 32, 1),
  durationSec: numEnv('PAYGATE_BENCH_SECONDS', 6, 1),
  warmupSec: numEnv('PAYGATE_BENCH_WARMUP_SECONDS', 2, 0),
};
const notifyCount = numEnv('PAYGATE_BENCH_NOTIFY_N', 1000, settings.connections);
const providers = parseProviders(process.env.PAYGATE_BENCH_PROVIDERS);
const dbs = (process.env.PAYGATE_BENCH_DBS ?? 'sqlite,postgres').split(',').map((s) => s.trim()).filter((s): s is DbKind => s === 'sqlite' || s === 'postgres');

const log = (msg: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** Same body shape and size class as a create-payment request, one row per request. */
const BARE_BODY = JSON.stringify({ id: '[<id>]', amount: 8888, currency: 'CNY', method: 'alipay_qr', description: 'bench' });

async function benchDb(db: DbKind): Promise<DbResult> {
  const result: DbResult = { db, create: {}, notify: {}, errors: [] };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `paygate-bench-${db}-`));
  let pgdb: BenchDatabase | undefined;
  let bare: BareServer | undefined;
  let gw: BenchGateway | undefined;
  let cleaning: Promise<void> | undefined;
  // Memoised: the finally block and a Ctrl-C may both ask for it.
  const cleanup = (): Promise<void> => (cleaning ??= doCleanup());
  const doCleanup = async (): Promise<void> => {
    // Each step on its own: one failing cleanup must not skip the others.
    const attempt = async (what: string, fn: () => Promise<void> | void) => {
      try {
        await fn();
      } catch (err) {
        log(`${db}: cleanup (${what}) failed: ${String(err)}`);
      }
    };
    if (bare) await attempt('bare server', () => bare?.close());
    if (gw) await attempt('gateway', () => gw?.rt.stop());
    if (pgdb) await attempt(`drop database ${pgdb.name}`, () => pgdb?.drop());
    await attempt('temp dir', () => fs.rmSync(tmp, { recursive: true, force: true }));
    activeCleanup = undefined;
  };
  activeCleanup = cleanup;
  const failed = (what: string, err: unknown) => {
    const msg = err instanceof Error ? err.stack ?? err.message : String(err);
    result.errors.push(`${what} failed: ${msg}`);
    log(`${db}: ${what} FAILED: ${msg}`);
  };
  try {
    if (db === 'postgres') {
      pgdb = await createBenchDatabase();
      log(`postgres: created database ${pgdb.name} on ${new URL(PG_ADMIN_URL).host}`);
    }
    // Baseline first, alone: nothing else in the process competes with it.
    bare = db === 'sqlite' ? await startBareSqlite(tmp) : await startBarePg(pgdb?.url ?? '');
    log(`${db}: bare insert baseline`);
    result.bare = await warmAndRun({ url: bare.url, headers: { 'content-type': 'application/json' }, connections: settings.connections, bodyTemplate: BARE_BODY, expectStatus: 201 }, settings.warmupSec, settings.durationSec);
    await bare.close();
    bare = undefined;

    const g = (gw = await startBenchGateway(tmp, pgdb?.url));
    log(`${db}: gateway at ${g.url}`);
    // One scenario failing (a provider's simulator, say) must not hide the others' figures.
    for (const p of providers) {
      log(`${db}: create-payment ${SPECS[p].method}`);
      await benchCreate(g, SPECS[p], settings).then((c) => void (result.create[p] = c), (err: unknown) => failed(`create ${SPECS[p].method}`, err));
    }
    for (const p of providers) {
      log(`${db}: notification ingest ${p} (${notifyCount} + warm-up)`);
      await benchNotify(g, SPECS[p], notifyCount, settings).then((n) => void (result.notify[p] = n), (err: unknown) => failed(`notify ${p}`, err));
    }
  } catch (err) {
    failed('run', err);
  } finally {
    await cleanup();
  }
  return result;
}

/** The current database's cleanup, so Ctrl-C does not leave a temp dir or a database behind. */
let activeCleanup: (() => Promise<void>) | undefined;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping load, cleaning up`);
    stopLoad();
    void (activeCleanup?.() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  const info: RunInfo = {
    node: process.version,
    cpus: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}`,
    connections: settings.connections,
    durationSec: settings.durationSec,
    warmupSec: settings.warmupSec,
    notifyCount,
    providers,
  };
  log('RSA-2048 sign/verify on one core');
  const rsa = measureRsa();
  const results: DbResult[] = [];
  for (const db of dbs) results.push(await benchDb(db));
  const bad = printReport(info, rsa, results);
  if (bad.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
