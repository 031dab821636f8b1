/**
 * The risk link graph at scale: seeds 1,000,000 directed links (risk_edges, one merchant —
 * the worst case for the indexes) on SQLite and on a throw-away PostgreSQL database, then
 * times the two reads on a payment's path: distinctNeighbours (customers per device, and per
 * carrier-NAT IP, in 24 h), hopsToAny (a payment's entities against 100 blocked ones) and
 * hopsToBlocked (the same 100 among 100,000 block-list entries, as the decision reads them).
 * Prints p50 / p99 / max in ms per query and database.
 *
 * The graph is made like traffic: 30 days of payments by 150,000 customers, each with an
 * email, mostly their own device (10 % on 2,000 shared ones), a home IP (70 %), a mobile IP
 * (25 %) or one of 5 carrier-NAT IPs (5 %, about 2,500 links each), half with a
 * provider buyer id. Deterministic (seeded), so both databases hold the same rows.
 *
 *   node dist/bench/risk-graph.js
 * Knobs (env): PAYGATE_BENCH_RISK_EDGES (1000000), PAYGATE_BENCH_RISK_QUERIES (2000),
 * PAYGATE_BENCH_RISK_DBS (sqlite,postgres), PAYGATE_BENCH_PG_URL (see pg.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { migrate, openDb, type DbHandle } from '../infra/db/index.js';
import type { RiskEdgeRow } from '../infra/db/schema.js';
import { distinctNeighbours, hopsToAny, hopsToBlocked, type RiskEntity } from '../infra/db/repos/risk-graph.js';
import { createBenchDatabase } from './pg.js';
import { numEnv } from './env.js';
import { seeded } from '../test-support/seeded.js';

const EDGES = numEnv('PAYGATE_BENCH_RISK_EDGES', 1_000_000, 1_000);
const QUERIES = numEnv('PAYGATE_BENCH_RISK_QUERIES', 2_000, 10);
const DBS = (process.env.PAYGATE_BENCH_RISK_DBS ?? 'sqlite,postgres').split(',').map((s) => s.trim());
const MERCHANT = 'mch_bench';
const NOW = 1_800_000_000_000;
const DAY = 86_400_000;
const BATCH = 1_000;

const log = (msg: string) => console.error(`[bench risk-graph ${new Date().toISOString().slice(11, 19)}] ${msg}`);

// Seeded (test-support/seeded.ts): every run, and both databases, see the same data.
const rng = seeded;

interface Graph { rows: RiskEdgeRow[]; payments: RiskEntity[][]; devices: RiskEntity[]; hubs: RiskEntity[] }

function makeGraph(edges: number): Graph {
  const r = rng(42);
  const pick = (n: number) => Math.floor(r() * n);
  const seen = new Map<string, RiskEdgeRow>();
  const payments: RiskEntity[][] = [];
  const hubs = Array.from({ length: 5 }, (_, i): RiskEntity => ({ kind: 'ip', value: `cgnat-${i}` }));
  while (seen.size < edges) {
    const c = pick(150_000);
    const roll = r();
    const ip: RiskEntity = roll < 0.7 ? { kind: 'ip', value: `home-${c % 60_000}` } : roll < 0.95 ? { kind: 'ip', value: `mobile-${pick(5_000)}` } : hubs[pick(hubs.length)]!;
    const entities: RiskEntity[] = [
      { kind: 'customer', value: `c${c}` },
      { kind: 'email', value: `c${c}@example.com` },
      { kind: 'device', value: r() < 0.1 ? `shared-${pick(2_000)}` : `d${c}` },
      ip,
    ];
    if (r() < 0.5) entities.push({ kind: 'buyer', value: `b${c}` });
    payments.push(entities);
    const at = NOW - Math.floor(r() * 30 * DAY);
    for (const a of entities) {
      for (const b of entities) {
        if (a === b || seen.size >= edges) continue;
        const k = `${a.kind}|${a.value}|${b.kind}|${b.value}`;
        const row = seen.get(k);
        if (row) {
          row.first_seen = Math.min(row.first_seen, at);
          row.last_seen = Math.max(row.last_seen, at);
        } else {
          seen.set(k, { merchant_id: MERCHANT, a_kind: a.kind, a_value: a.value, b_kind: b.kind, b_value: b.value, first_seen: at, last_seen: at });
        }
      }
    }
  }
  const devices = [
    ...Array.from({ length: 2_000 }, (_, i): RiskEntity => ({ kind: 'device', value: `shared-${i}` })),
    ...Array.from({ length: 2_000 }, (_, i): RiskEntity => ({ kind: 'device', value: `d${i * 75}` })),
  ];
  return { rows: [...seen.values()], payments, devices, hubs };
}

async function seed(h: DbHandle, rows: RiskEdgeRow[]): Promise<number> {
  const t0 = performance.now();
  // Batches of 1,000 rows (7,000 parameters) inside transactions of 50 batches.
  for (let i = 0; i < rows.length; i += BATCH * 50) {
    await h.db.transaction().execute(async (tx) => {
      for (let j = i; j < Math.min(i + BATCH * 50, rows.length); j += BATCH) {
        await tx.insertInto('risk_edges').values(rows.slice(j, j + BATCH)).execute();
      }
    });
  }
  // Statistics (and on PostgreSQL the visibility map, for index-only scans): what autovacuum
  // gives a table that has lived a while.
  if (h.dialect === 'postgres') await sql`VACUUM ANALYZE risk_edges`.execute(h.db);
  else await sql`ANALYZE`.execute(h.db);
  return (performance.now() - t0) / 1000;
}

interface Timing { p50: number; p99: number; max: number; n: number }

async function time(n: number, run: (i: number) => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < Math.min(100, n); i++) await run(i);
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run(i);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.ceil(p * ms.length) - 1)]!;
  return { p50: q(0.5), p99: q(0.99), max: ms[ms.length - 1]!, n };
}

async function measure(h: DbHandle, g: Graph): Promise<Record<string, Timing>> {
  const r = rng(7);
  const since = NOW - DAY;
  const blocked: RiskEntity[] = [
    ...Array.from({ length: 40 }, () => g.devices[Math.floor(r() * g.devices.length)]!),
    ...Array.from({ length: 30 }, () => ({ kind: 'email' as const, value: `c${Math.floor(r() * 150_000)}@example.com` })),
    ...Array.from({ length: 30 }, () => ({ kind: 'customer' as const, value: `c${Math.floor(r() * 150_000)}` })),
  ];
  const plain = g.payments.filter((p) => !p.some((e) => e.value.startsWith('cgnat-')));
  const viaHub = g.payments.filter((p) => p.some((e) => e.value.startsWith('cgnat-')));
  const at = <T>(list: T[], i: number) => list[(i * 7919) % list.length]!;
  await seedList(h, blocked);
  let hits = 0;
  let listHits = 0;
  const out: Record<string, Timing> = {
    'distinctNeighbours device→customers 24h': await time(QUERIES, (i) => distinctNeighbours(h.db, MERCHANT, at(g.devices, i), 'customer', since)),
    'distinctNeighbours carrier-NAT ip→customers 24h': await time(Math.min(QUERIES, 200), (i) => distinctNeighbours(h.db, MERCHANT, at(g.hubs, i), 'customer', since)),
    'hopsToAny payment → 100 blocked': await time(QUERIES, async (i) => {
      if ((await hopsToAny(h.db, MERCHANT, at(plain, i), blocked)) !== null) hits++;
    }),
    'hopsToAny payment on carrier-NAT ip → 100 blocked': await time(Math.min(QUERIES, 200), (i) => hopsToAny(h.db, MERCHANT, at(viaHub, i), blocked)),
    // What the decision runs (app/risk/assess.ts): the same 100 blocked among 100,000 list entries, read where they are stored.
    [`hopsToBlocked payment → ${LIST_ENTRIES} list entries`]: await time(QUERIES, async (i) => {
      if ((await hopsToBlocked(h.db, MERCHANT, at(plain, i), NOW)) !== null) listHits++;
    }),
    [`hopsToBlocked payment on carrier-NAT ip → ${LIST_ENTRIES} list entries`]: await time(Math.min(QUERIES, 200), (i) => hopsToBlocked(h.db, MERCHANT, at(viaHub, i), NOW)),
  };
  log(`hopsToAny found a blocked entity within 2 links for ${hits} of ${QUERIES} ordinary payments, hopsToBlocked for ${listHits}`);
  return out;
}

const LIST_ENTRIES = numEnv('PAYGATE_BENCH_RISK_LIST_ENTRIES', 100_000, 100);

/** The merchant's block list: the blocked entities, then filler entries of every list up to LIST_ENTRIES. */
async function seedList(h: DbHandle, blocked: RiskEntity[]): Promise<void> {
  await h.db.insertInto('merchants').values({ id: MERCHANT, name: 'bench', created_at: NOW }).onConflict((oc) => oc.column('id').doNothing()).execute();
  const lists = ['device', 'customer', 'email', 'ip'] as const;
  const seen = new Set<string>();
  const rows = [...blocked.map((b) => ({ list: b.kind, value: b.value })), ...Array.from({ length: LIST_ENTRIES }, (_, i) => {
    const list = lists[i % 4]!;
    return { list, value: list === 'ip' ? `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` : list === 'email' ? `filler${i}@example.net` : `filler-${i}` };
  })].filter((r) => !seen.has(`${r.list} ${r.value}`) && seen.add(`${r.list} ${r.value}`)).slice(0, LIST_ENTRIES)
    .map((r, i) => ({ id: `rle_${String(i).padStart(26, '0')}`, merchant_id: MERCHANT, list: r.list, action: 'block', value: r.value, expires_at: null, created_at: NOW, updated_at: NOW }));
  for (let i = 0; i < rows.length; i += 500) await h.db.insertInto('risk_list_entries').values(rows.slice(i, i + 500)).execute();
  if (h.dialect === 'postgres') await sql`ANALYZE risk_list_entries`.execute(h.db);
  else await sql`ANALYZE`.execute(h.db);
}

async function main(): Promise<void> {
  log(`making a graph of ${EDGES} links`);
  const g = makeGraph(EDGES);
  log(`${g.rows.length} links from ${g.payments.length} payments`);
  const results: Array<[string, number, Record<string, Timing>]> = [];
  for (const kind of DBS) {
    if (kind !== 'sqlite' && kind !== 'postgres') throw new Error(`PAYGATE_BENCH_RISK_DBS: unknown database ${kind} (sqlite, postgres)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-bench-risk-'));
    const pgdb = kind === 'postgres' ? await createBenchDatabase() : undefined;
    const h = openDb({ dataDir: dir, ...(pgdb ? { databaseUrl: pgdb.url, poolSize: 2 } : {}) });
    try {
      await migrate(h.db);
      log(`${kind}: seeding`);
      const seconds = await seed(h, g.rows);
      log(`${kind}: seeded in ${seconds.toFixed(1)} s; querying`);
      results.push([kind, seconds, await measure(h, g)]);
    } finally {
      await h.destroy();
      await pgdb?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`\nrisk graph: ${g.rows.length} links, one merchant (${os.cpus().length} cores)`);
  console.log(`${'database / query'.padEnd(62)}${'n'.padStart(6)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}`);
  for (const [kind, seconds, timings] of results) {
    console.log(`${kind} (seeded in ${seconds.toFixed(1)} s)`);
    for (const [name, t] of Object.entries(timings)) {
      console.log(`  ${name.padEnd(60)}${String(t.n).padStart(6)}${t.p50.toFixed(3).padStart(9)}${t.p99.toFixed(3).padStart(9)}${t.max.toFixed(3).padStart(9)}`);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
