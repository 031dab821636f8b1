/** The printed report: a markdown table of raw figures and ratios, per-scenario checks, then one JSON line for machines. */
import type { RsaRates } from './baselines.js';
import type { CreateOutcome } from './gateway.js';
import type { LoadResult } from './load.js';
import type { NotifyOutcome } from './notify.js';
import { SPECS, createCeiling, notifyCeiling, type Provider } from './providers.js';

export type DbKind = 'sqlite' | 'postgres';

export interface DbResult {
  db: DbKind;
  bare?: LoadResult;
  create: Partial<Record<Provider, CreateOutcome>>;
  notify: Partial<Record<Provider, NotifyOutcome>>;
  /** Scenarios that threw (the others still ran). */
  errors: string[];
}

export interface RunInfo {
  node: string;
  cpus: string;
  connections: number;
  durationSec: number;
  warmupSec: number;
  notifyCount: number;
  providers: Provider[];
}

const f0 = (n: number) => n.toFixed(0);
const f1 = (n: number) => n.toFixed(1);
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? (a / b).toFixed(3) : 'n/a');
const json = (o: Record<string, number>) => (Object.keys(o).length === 0 ? 'none' : JSON.stringify(o));

function badCount(l: LoadResult): number {
  return l.unexpectedStatus + l.errors + l.mismatches;
}

/** Outbound URLs without the gateway's own origin: they all point at its in-process simulators. */
function paths(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/^https?:\/\/[^/]+/, ''), v]));
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
    for (const e of r.errors) out.push(`${r.db}: ${e}`);
    describe(r.db, 'bare insert', r.bare);
    for (const c of Object.values(r.create)) {
      const what = `create ${SPECS[c.provider].method}`;
      describe(r.db, what, c.load);
      if (c.failed > 0 || c.stuck > 0) out.push(`${r.db} ${what}: of ${c.attempts} attempts ${c.failed} recorded a provider error and ${c.stuck} never got a QR code or redirect URL`);
      const failedCalls = Object.entries(c.calls).filter(([k]) => k.startsWith(`${c.provider}/create `));
      if (failedCalls.length > 0) out.push(`${r.db} ${what}: failed provider calls ${JSON.stringify(Object.fromEntries(failedCalls))}`);
    }
    for (const n of Object.values(r.notify)) {
      const what = `notify ${n.provider}`;
      describe(r.db, what, n.load);
      if (n.load.requests !== n.expected || n.succeeded !== n.expected || n.accepted !== n.expected) {
        out.push(`${r.db} ${what}: ${n.expected} notifications sent, ${n.load.requests} answered, ${n.succeeded} payments succeeded, ${n.accepted} recorded accepted`);
      }
    }
  }
  return out;
}

function legend(info: RunInfo, rsa: RsaRates): void {
  console.log(`RSA-2048/SHA-256 on one core (${rsa.messageBytes}-byte message): sign ${f0(rsa.signPerSec)}/s, verify ${f0(rsa.verifyPerSec)}/s`);
  console.log('crypto ceiling = one core doing nothing but that request\'s RSA operations:');
  for (const p of info.providers) {
    const s = SPECS[p];
    const c = createCeiling(s, rsa);
    const ops = s.createRsa ? `${s.createRsa.signs} signs + ${s.createRsa.verifies} verifies` : 'no RSA';
    console.log(`  create ${s.method.padEnd(13)} ${ops}: ${s.createCrypto} → ${c ? `${f0(c)}/s` : 'n/a'}`);
    if (s.createNote) console.log(`  ${''.padEnd(20)} note: ${s.createNote}`);
  }
  for (const p of info.providers) {
    const s = SPECS[p];
    const c = notifyCeiling(s, rsa);
    console.log(`  notify ${p.padEnd(13)} ${s.notifyCrypto} → ${c ? `${f0(c)}/s` : 'n/a'}`);
  }
  console.log('');
}

function checks(r: DbResult): void {
  for (const c of Object.values(r.create)) {
    console.log(`${r.db} create ${SPECS[c.provider].method}: ${c.load.requests} answers ${JSON.stringify(c.load.statusCounts)}; ${c.attempts} attempts (warm-up included): ` +
      `${c.ready} created at the provider, ${c.failed} provider errors, ${c.stuck} unfinished; provider calls in the measured window ${json(c.calls)}, during warm-up ${json(c.warmupCalls)}`);
  }
  for (const n of Object.values(r.notify)) {
    const ack = SPECS[n.provider].ack;
    const outbound = Object.keys(n.outbound.warmup).length + Object.keys(n.outbound.measured).length === 0
      ? ''
      : `; gateway fetched during warm-up ${json(paths(n.outbound.warmup))}, during the measured run ${json(paths(n.outbound.measured))}`;
    console.log(`${r.db} notify ${n.provider}: ${n.load.requests} answered, ${n.load.statusCounts[String(ack.status)] ?? 0} × ${ack.status}, ${n.load.mismatches} not ${JSON.stringify(ack.body)}; ` +
      `${n.succeeded} payments succeeded, ${n.accepted} recorded accepted (warm-up: ${n.warmup} more; ${n.toppedUp} payments topped up; pre-signing ${n.signSec.toFixed(1)} s; ` +
      `provider calls ${json(n.calls)})${outbound}`);
  }
}

export function printReport(info: RunInfo, rsa: RsaRates, results: DbResult[]): string[] {
  const bad = problems(results);
  const banner = '!'.repeat(100);
  if (bad.length > 0) {
    console.log(`\n${banner}\n!!! THE BENCH HAD ERRORS — affected figures are NOT valid:`);
    for (const p of bad) console.log(`!!!   ${p}`);
    console.log(banner);
  }
  console.log(`\n## Paygate bench\n`);
  console.log(`node ${info.node}, ${info.cpus}; load generator: autocannon in a child process (gateway, simulators and baselines share this one)`);
  console.log(`${info.connections} connections; create: ${info.durationSec} s measured after ${info.warmupSec} s warm-up, a new merchant_order_id per request; ` +
    `notify: ${info.notifyCount} pre-signed notifications per provider, one per payment; providers: ${info.providers.join(', ')}\n`);
  legend(info, rsa);
  console.log('| db | scenario | req/s | p50 ms | p99 ms | answers | bad | ÷ bare insert | ÷ crypto ceiling |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const row = (name: string, l: LoadResult | undefined, ceiling: number | undefined | null) => {
      if (!l) return console.log(`| ${r.db} | ${name} | – | – | – | – | – | – | – |`);
      const flag = l.clean ? '' : ' ⚠';
      console.log(`| ${r.db} | ${name}${flag} | ${f0(l.rps)} | ${f1(l.p50)} | ${f1(l.p99)} | ${l.requests} | ${badCount(l)} | ${ratio(l.rps, r.bare?.rps)} | ${ceiling === null ? '–' : ratio(l.rps, ceiling)} |`);
    };
    row('bare Fastify insert', r.bare, null);
    for (const p of info.providers) {
      const s = SPECS[p];
      row(`create ${s.method}${s.currency === 'CNY' ? '' : ` (${s.currency})`}`, r.create[p]?.load, createCeiling(s, rsa));
    }
    for (const p of info.providers) row(`notify ${p} (${SPECS[p].notifyEvent})`, r.notify[p]?.load, notifyCeiling(SPECS[p], rsa));
  }
  console.log('');
  for (const r of results) checks(r);
  const machine = {
    bench: 'paygate', ok: bad.length === 0, ...info,
    rsa: { sign_per_s: rsa.signPerSec, verify_per_s: rsa.verifyPerSec },
    results: results.map((r) => ({
      db: r.db,
      errors: r.errors,
      bare_insert: r.bare ?? null,
      create: Object.fromEntries(Object.values(r.create).map((c) => {
        const ceiling = createCeiling(SPECS[c.provider], rsa);
        return [c.provider, { ...c, vs_bare_insert: r.bare ? c.load.rps / r.bare.rps : null, crypto_ceiling_per_s: ceiling ?? null, vs_crypto_ceiling: ceiling ? c.load.rps / ceiling : null }];
      })),
      notify: Object.fromEntries(Object.values(r.notify).map((n) => {
        const ceiling = notifyCeiling(SPECS[n.provider], rsa);
        return [n.provider, { ...n, vs_bare_insert: r.bare ? n.load.rps / r.bare.rps : null, crypto_ceiling_per_s: ceiling ?? null, vs_crypto_ceiling: ceiling ? n.load.rps / ceiling : null }];
      })),
    })),
    problems: bad,
  };
  if (bad.length > 0) console.log(`\n${banner}\n!!! ${bad.length} problem(s) above: do not trust the flagged figures\n${banner}`);
  console.log(`\nBENCH_JSON ${JSON.stringify(machine)}`);
  return bad;
}
