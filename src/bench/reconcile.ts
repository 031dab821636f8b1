/**
 * The reconciliation section of `npm run bench`: a synthetic Alipay and WeChat Pay bill of
 * PAYGATE_BENCH_RECON_ROWS rows (1,000,000) against a ledger of as many succeeded payments,
 * on SQLite and PostgreSQL. Reports, per provider and database:
 *   - parse: rows/s of the bill source alone (download, unpack, decode, parse, check totals),
 *     and as a ratio to a bare csv-parse pass over the same decoded CSV file in the same run;
 *   - end to end: a run through POST /admin/reconciliation_runs until it is done (rows/s, s);
 *   - peak RSS growth of the process during the run (the gateway runs in this process).
 * Knobs: PAYGATE_BENCH_RECON_ROWS, PAYGATE_BENCH_DBS ("sqlite,postgres"), PAYGATE_BENCH_RECON_PROVIDERS ("alipay,wechatpay"),
 * PAYGATE_BENCH_RECON_PROFILE (a directory: a CPU profile of each end-to-end run), PAYGATE_BENCH_LOG_LEVEL (the
 * gateway's log level, default silent; "info" shows each finished run's phase timings).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { sql } from 'kysely';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import yauzl from 'yauzl';
import { connectorContext, loadAccount } from '../app/accounts.js';
import { billIo } from '../app/reconciliation/bill-io.js';
import { billSourceFor } from '../connectors/bill-sources.js';
import { DETAIL_COLUMNS } from '../connectors/alipay/bill-rows.js';
import { BILL_COLUMNS } from '../connectors/wechatpay/bill-rows.js';
import { syntheticTrade } from '../simulators/common/bill-controls.js';
import type { AttemptRow, PaymentRow } from '../infra/db/schema.js';
import { numEnv } from './env.js';
import { createBenchDatabase } from './pg.js';
import { startBenchGateway, rawAccount, type BenchGateway } from './gateway.js';

type Provider = 'alipay' | 'wechatpay';
const ROWS = numEnv('PAYGATE_BENCH_RECON_ROWS', 1_000_000, 1000);
const providers = (process.env.PAYGATE_BENCH_RECON_PROVIDERS ?? 'alipay,wechatpay').split(',').map((s) => s.trim()).filter((s): s is Provider => s === 'alipay' || s === 'wechatpay');
const dbs = (process.env.PAYGATE_BENCH_DBS ?? 'sqlite,postgres').split(',').map((s) => s.trim()).filter((s) => s === 'sqlite' || s === 'postgres');
const log = (msg: string) => console.error(`[bench recon ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const DAY = '2026-11-30';
const MB = 1024 * 1024;

/** Inserts ROWS succeeded payments and attempts matching the synthetic bill's trades. */
async function seedLedger(gw: BenchGateway, provider: Provider): Promise<void> {
  const db = gw.rt.ctx.db;
  const accountId = gw.accounts[provider];
  const now = Date.now();
  const batch = 400;
  for (let start = 0; start < ROWS; start += batch) {
    const payments: PaymentRow[] = [], attempts: AttemptRow[] = [];
    for (let n = start; n < Math.min(ROWS, start + batch); n++) {
      const t = syntheticTrade(DAY, n, ROWS, 480);
      const id = `pay_${provider.slice(0, 2)}${String(n).padStart(24, '0')}`;
      payments.push({ id, merchant_id: gw.merchantId, merchant_order_id: `${provider}-${n}`, amount: t.amount, currency: 'CNY', method: provider === 'alipay' ? 'alipay_qr' : 'wechat_native', provider, status: 'succeeded', description: 'bench', return_url: null, metadata: '{}', amount_refunded: 0, expires_at: now, created_at: now, updated_at: now });
      attempts.push({ id: `att_${provider.slice(0, 2)}${String(n).padStart(24, '0')}`, payment_id: id, merchant_id: gw.merchantId, provider, provider_account_id: accountId, provider_reference: t.reference, status: 'succeeded', qr_code: null, redirect_url: null, provider_transaction_id: t.providerTransactionId, error_code: null, error_message: null, created_at: now, updated_at: now, succeeded_at: t.paidAt });
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('payments').values(payments).execute();
      await trx.insertInto('attempts').values(attempts).execute();
    });
    if (start % 100_000 === 0) log(`${provider}: seeded ${start} payments`);
  }
  // A real ledger grows over months and autovacuum keeps its statistics; one that grew by a
  // million rows a moment ago still has the planner believing the account has a few thousand
  // attempts, and it then scans them all per batch instead of probing the unique index.
  if (gw.rt.ctx.dbh.dialect === 'postgres') await sql`ANALYZE attempts, payments`.execute(db);
}

async function billAccountOf(gw: BenchGateway, provider: Provider): Promise<string> {
  const creds = (await rawAccount(gw, provider)).credentials;
  return String(provider === 'alipay' ? creds.app_id : creds.mchid);
}

/** The bill source alone, through the app's BillIo; leaves the downloaded file in `dir`. */
async function parseOnly(gw: BenchGateway, provider: Provider, dir: string): Promise<{ rows: number; seconds: number; file: string }> {
  const acc = (await loadAccount(gw.rt.ctx, gw.accounts[provider]))!;
  const io = billIo(gw.rt.ctx, acc, dir, new AbortController().signal);
  const started = performance.now();
  let rows = 0;
  for await (const _row of billSourceFor(provider)!.rows(io, connectorContext(gw.rt.ctx, acc), DAY)) rows++;
  const seconds = (performance.now() - started) / 1000;
  const file = fs.readdirSync(dir).filter((f) => f.startsWith('download-')).map((f) => path.join(dir, f)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
  return { rows, seconds, file };
}

/** The same bill's detail CSV, decoded to UTF-8 text in a file (not timed). */
async function decodedCsv(provider: Provider, downloaded: string, out: string): Promise<void> {
  if (provider === 'wechatpay') return void (await pipeline(createReadStream(downloaded), createGunzip(), createWriteStream(out)));
  const zip = await new Promise<yauzl.ZipFile>((ok, ko) => yauzl.open(downloaded, { lazyEntries: true }, (e, z) => (e ? ko(e) : ok(z))));
  await new Promise<void>((ok, ko) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      if (!entry.fileName.endsWith('业务明细.csv')) return zip.readEntry();
      zip.openReadStream(entry, (e, s) => {
        if (e) return ko(e);
        pipeline(s, iconv.decodeStream('gbk'), createWriteStream(out)).then(() => { zip.close(); ok(); }, ko);
      });
    });
    zip.on('error', ko);
    zip.readEntry();
  });
}

/**
 * A bare csv-parse pass over the decoded file: what a general CSV reader spends. Given its
 * best case: csv-parse builds an Error for every record whose length differs from the
 * first's, even when relaxed, so an empty record of the rows' length goes first (the bills'
 * one-cell title lines would otherwise make it five times slower).
 */
async function bareCsv(file: string, columns: number): Promise<{ records: number; seconds: number }> {
  const started = performance.now();
  let records = -1;
  const parser = parse({ relax_column_count: true, relax_quotes: true });
  parser.write(`${','.repeat(columns - 1)}\n`);
  const done = pipeline(createReadStream(file), parser);
  for await (const _r of parser) records++;
  await done;
  return { records, seconds: (performance.now() - started) / 1000 };
}

async function endToEnd(gw: BenchGateway, provider: Provider): Promise<{ seconds: number; rssGrowthMb: number; status: string; rows: number; differences: unknown }> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
  const token = gw.rt.config.PAYGATE_ADMIN_TOKEN!;
  const call = async (method: string, p: string, body?: unknown) => (await fetch(`${gw.url}${p}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) })).json() as Promise<{ id: string; status: string; rows_read: number; differences: unknown }>;
  const started = performance.now();
  const run = await call('POST', '/admin/reconciliation_runs', { provider_account_id: gw.accounts[provider], day: DAY });
  let r = run;
  while (r.status === 'running') {
    await new Promise((ok) => setTimeout(ok, 100));
    r = await call('GET', `/admin/reconciliation_runs/${run.id}`);
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  return { seconds, rssGrowthMb: (peak - base) / MB, status: r.status, rows: r.rows_read, differences: r.differences };
}

/** With PAYGATE_BENCH_RECON_PROFILE=dir, a CPU profile of `fn` alone goes to dir/name.cpuprofile (open it in Chrome DevTools). */
async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const dir = process.env.PAYGATE_BENCH_RECON_PROFILE;
  if (!dir) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

async function benchDb(db: string): Promise<string[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `paygate-bench-recon-${db}-`));
  const pg = db === 'postgres' ? await createBenchDatabase() : undefined;
  const gw = await startBenchGateway(dataDir, pg?.url);
  const lines: string[] = [];
  try {
    for (const provider of providers) {
      log(`${db}: seeding ${ROWS} ${provider} payments`);
      await seedLedger(gw, provider);
      const account = await billAccountOf(gw, provider);
      const sim = await fetch(`${gw.url}/sandbox/${provider}/_bills/synthetic`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ account, date: DAY, rows: ROWS }) });
      if (!sim.ok) throw new Error(`synthetic bill: ${sim.status} ${await sim.text()}`);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-bench-bill-'));
      log(`${db} ${provider}: parsing alone`);
      const p = await parseOnly(gw, provider, dir);
      await decodedCsv(provider, p.file, path.join(dir, 'decoded.csv'));
      const bare = await bareCsv(path.join(dir, 'decoded.csv'), provider === 'alipay' ? DETAIL_COLUMNS.length : BILL_COLUMNS.length);
      fs.rmSync(dir, { recursive: true, force: true });
      log(`${db} ${provider}: end to end`);
      const e = await profiled(`recon-${db}-${provider}`, () => endToEnd(gw, provider));
      const parseRate = p.rows / p.seconds, bareRate = bare.records / bare.seconds;
      lines.push(`${db.padEnd(8)} ${provider.padEnd(9)} rows ${p.rows}  parse ${Math.round(parseRate)} rows/s (${(parseRate / bareRate).toFixed(2)}× bare csv-parse ${Math.round(bareRate)} rows/s)  `
        + `end to end ${e.seconds.toFixed(1)} s = ${Math.round(e.rows / e.seconds)} rows/s, ${e.status}, differences ${JSON.stringify(e.differences)}  peak RSS +${e.rssGrowthMb.toFixed(0)} MB`);
      log(lines[lines.length - 1]!);
    }
  } finally {
    await gw.rt.stop();
    await pg?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return lines;
}

const out: string[] = [];
for (const db of dbs) out.push(...(await benchDb(db)));
console.log(`\nReconciliation (${ROWS} rows, machine ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)})\n${out.join('\n')}`);
