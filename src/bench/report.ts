/** The printed report: a markdown table of raw figures and ratios, then one JSON line for machines. */
import type { RsaRates } from './baselines.js';
import type { NotifyOutcome } from './gateway.js';
import type { LoadResult } from './load.js';

export type DbKind = 'sqlite' | 'postgres';

export interface DbResult {
  db: DbKind;
  bare?: LoadResult;
  create?: LoadResult;
  notify?: NotifyOutcome;
  error?: string;
}

export interface RunInfo {
  node: string;
  cpus: string;
  connections: number;
  durationSec: number;
  warmupSec: number;
  notifyCount: number;
}

/** Each create costs 2 signs + 2 verifies (gateway signs, sim verifies, sim signs, gateway verifies): one core's ceiling. */
export function createCeiling(r: RsaRates): number {
  return 1 / (2 / r.signPerSec + 2 / r.verifyPerSec);
}

/** Each notification costs one verify at the gateway. */
export function notifyCeiling(r: RsaRates): number {
  return r.verifyPerSec;
}

const f0 = (n: number) => n.toFixed(0);
const f1 = (n: number) => n.toFixed(1);
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? (a / b).toFixed(3) : 'n/a');

function badCount(l: LoadResult): number {
  return l.unexpectedStatus + l.errors + l.mismatches;
}

/** Everything that makes a figure untrustworthy, in words. */
export function problems(results: DbResult[]): string[] {
  const out: string[] = [];
  const describe = (db: DbKind, what: string, l: LoadResult | undefined) => {
    if (!l || l.clean) return;
    out.push(`${db} ${what}: ${l.requests} answers, ${l.unexpectedStatus} with an unexpected status ${JSON.stringify(l.statusCounts)}, non-2xx ${l.non2xx}, ` +
      `errors ${l.errors} (timeouts ${l.timeouts}), body mismatches ${l.mismatches}`);
  };
  for (const r of results) {
    if (r.error) out.push(`${r.db}: run failed: ${r.error}`);
    describe(r.db, 'bare insert', r.bare);
    describe(r.db, 'create payment', r.create);
    describe(r.db, 'notify ingest', r.notify?.load);
    if (r.notify) {
      const n = r.notify;
      if (n.load.requests !== n.expected || n.succeeded !== n.expected || n.accepted !== n.expected) {
        out.push(`${r.db} notify ingest: ${n.expected} notifications sent, ${n.load.requests} answered, ${n.succeeded} payments succeeded, ${n.accepted} recorded accepted`);
      }
    }
  }
  return out;
}

export function printReport(info: RunInfo, rsa: RsaRates, results: DbResult[]): string[] {
  const bad = problems(results);
  const banner = '!'.repeat(100);
  if (bad.length > 0) {
    console.log(`\n${banner}\n!!! THE BENCH HAD ERRORS — affected figures are NOT valid:`);
    for (const p of bad) console.log(`!!!   ${p}`);
    console.log(banner);
  }
  const cc = createCeiling(rsa);
  const nc = notifyCeiling(rsa);
  console.log(`\n## Paygate bench\n`);
  console.log(`node ${info.node}, ${info.cpus}; load generator: autocannon in a child process (gateway, simulator and baselines share this one)`);
  console.log(`${info.connections} connections, ${info.durationSec} s measured after ${info.warmupSec} s warm-up; notify: ${info.notifyCount} pre-signed notifications, one per payment\n`);
  console.log(`RSA-2048/SHA-256 on one core (${rsa.messageBytes}-byte message): sign ${f0(rsa.signPerSec)}/s, verify ${f0(rsa.verifyPerSec)}/s`);
  console.log(`create ceiling = 1 / (2/sign + 2/verify) = ${f0(cc)}/s  (1 create = 2 signs + 2 verifies: gateway signs, simulator verifies + signs, gateway verifies)`);
  console.log(`notify ceiling = verify rate = ${f0(nc)}/s  (1 notification = 1 verify)\n`);
  console.log('| db | scenario | req/s | p50 ms | p99 ms | answers | bad | ÷ bare insert | ÷ RSA ceiling |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const row = (name: string, l: LoadResult | undefined, ceiling?: number) => {
      if (!l) return console.log(`| ${r.db} | ${name} | – | – | – | – | – | – | – |`);
      const flag = l.clean ? '' : ' ⚠';
      console.log(`| ${r.db} | ${name}${flag} | ${f0(l.rps)} | ${f1(l.p50)} | ${f1(l.p99)} | ${l.requests} | ${badCount(l)} | ${ratio(l.rps, r.bare?.rps)} | ${ceiling ? ratio(l.rps, ceiling) : '–'} |`);
    };
    row('bare Fastify insert', r.bare);
    row('create payment (alipay_qr)', r.create, cc);
    row('notify ingest (TRADE_SUCCESS)', r.notify?.load, nc);
  }
  console.log('');
  for (const r of results) {
    if (r.notify) {
      const n = r.notify;
      console.log(`${r.db} notify checks: ${n.load.requests} answered, ${n.load.statusCounts['200'] ?? 0} × 200, ${n.load.mismatches} not "success"; ` +
        `${n.succeeded} payments succeeded, ${n.accepted} notifications recorded accepted (warm-up: ${n.warmup} more; ${n.toppedUp} payments created beyond the create bench's; pre-signing took ${n.signSec.toFixed(1)} s)`);
    }
    if (r.create) {
      console.log(`${r.db} create = ${r.create.rps.toFixed(1)}/s = ${(4 * r.create.rps).toFixed(0)} RSA ops/s, ${ratio(r.create.rps, cc)} of the one-core RSA ceiling; status counts ${JSON.stringify(r.create.statusCounts)}`);
    }
    if (r.error) console.log(`${r.db}: FAILED: ${r.error}`);
  }
  const json = {
    bench: 'paygate', ok: bad.length === 0, ...info,
    rsa: { sign_per_s: rsa.signPerSec, verify_per_s: rsa.verifyPerSec, create_ceiling_per_s: cc, notify_ceiling_per_s: nc },
    results: results.map((r) => ({
      db: r.db,
      error: r.error ?? null,
      bare_insert: r.bare ?? null,
      create: r.create ? { ...r.create, vs_bare_insert: r.bare ? r.create.rps / r.bare.rps : null, vs_rsa_ceiling: r.create.rps / cc } : null,
      notify: r.notify
        ? { ...r.notify.load, succeeded: r.notify.succeeded, accepted: r.notify.accepted, vs_bare_insert: r.bare ? r.notify.load.rps / r.bare.rps : null, vs_rsa_ceiling: r.notify.load.rps / nc }
        : null,
    })),
    problems: bad,
  };
  if (bad.length > 0) console.log(`\n${banner}\n!!! ${bad.length} problem(s) above: do not trust the flagged figures\n${banner}`);
  console.log(`\nBENCH_JSON ${JSON.stringify(json)}`);
  return bad;
}
