/**
 * Create throughput with risk control on vs off, in the same run and the same gateway
 * (issue goal: on ≥ 0.9 × off). Two sandbox merchants of one gateway take the same creates
 * (alipay_qr against the built-in simulator, each with a new customer, e-mail and device, from
 * an IP address of its own): "off" has no risk configuration, "on" has PAYGATE_BENCH_RISK_CREATE_RULES
 * rules reading every attribute group (velocity, limits, link graph, profile, geo) and
 * PAYGATE_BENCH_RISK_CREATE_ENTRIES list entries. Rounds alternate off, on, off, on… so drift
 * of a shared machine falls on both alike; the figures are the sums over the rounds.
 *
 * Knobs: PAYGATE_BENCH_DBS (sqlite,postgres), PAYGATE_BENCH_CONNECTIONS (32),
 * PAYGATE_BENCH_RISK_CREATE_ROUNDS (3 per side), PAYGATE_BENCH_RISK_CREATE_N (800 creates per round),
 * PAYGATE_BENCH_RISK_CREATE_RULES (50), PAYGATE_BENCH_RISK_CREATE_ENTRIES (10000).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSandboxMerchant } from '../sandbox/index.js';
import { numEnv } from './env.js';
import { parkPolls, startBenchGateway, type BenchGateway } from './gateway.js';
import { runLoad, type LoadResult } from './load.js';
import { createBenchDatabase, type BenchDatabase } from './pg.js';
import { seeded } from '../test-support/seeded.js';

const CONNECTIONS = numEnv('PAYGATE_BENCH_CONNECTIONS', 32, 1);
const ROUNDS = numEnv('PAYGATE_BENCH_RISK_CREATE_ROUNDS', 3, 1);
const PER_ROUND = numEnv('PAYGATE_BENCH_RISK_CREATE_N', 800, 10);
const RULES = numEnv('PAYGATE_BENCH_RISK_CREATE_RULES', 50, 1);
const ENTRIES = numEnv('PAYGATE_BENCH_RISK_CREATE_ENTRIES', 10_000, 0);
/** Profiling one side: PAYGATE_BENCH_RISK_CREATE_ONLY=on|off runs only its rounds (the ratio is then meaningless). */
const ONLY = process.env.PAYGATE_BENCH_RISK_CREATE_ONLY === 'on' || process.env.PAYGATE_BENCH_RISK_CREATE_ONLY === 'off' ? process.env.PAYGATE_BENCH_RISK_CREATE_ONLY : undefined;
const DBS = (process.env.PAYGATE_BENCH_DBS ?? 'sqlite,postgres').split(',').map((s) => s.trim()).filter((s) => s === 'sqlite' || s === 'postgres');
const log = (msg: string) => console.error(`[bench risk-create ${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** Rules of every group, with thresholds ordinary bench payments stay under (they are decided, not refused). */
function rules(n: number): Array<Record<string, unknown>> {
  const shapes = [
    (i: number) => `amount > ${5_000_000 + i}`,
    (i: number) => `velocity.customer.count_1h >= ${20 + (i % 10)}`,
    (i: number) => `velocity.device.count_1m >= ${10 + (i % 5)} && amount > ${1000 + i}`,
    (i: number) => `velocity.email.amount_24h + amount > ${50_000_000 + i}`,
    (i: number) => `limits.customer_day_amount + amount > ${10_000_000 + i}`,
    (i: number) => `graph.device_customers_24h > ${5 + (i % 5)}`,
    () => 'graph.hops_to_blocked <= 1',
    (i: number) => `profile.payments >= 5 && profile.amount_zscore > ${3 + (i % 3)}`,
    (i: number) => `ip_country != payer_country && amount > ${100_000 + i}`,
    (i: number) => `customer.email.endsWith("@mailinator.test") && amount > ${i}`,
  ];
  return Array.from({ length: n }, (_, i) => ({ name: `r${i}`, when: shapes[i % shapes.length]!(i), action: i % 3 === 0 ? 'block' : 'review', mode: i % 7 === 0 ? 'shadow' : 'active' }));
}

function entries(n: number): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => {
    switch (i % 4) {
      case 0: return { list: 'ip', action: 'block', value: `10.${(i >> 8) & 255}.${i & 255}.0/24` };
      case 1: return { list: 'device', action: 'block', value: `stolen-device-${i}` };
      case 2: return { list: 'email', action: 'review', value: `fraud${i}@example.net` };
      default: return { list: 'customer', action: 'block', value: `chargeback-${i}` };
    }
  });
}

async function admin(gw: BenchGateway, method: string, p: string, body: unknown): Promise<void> {
  const res = await fetch(`${gw.url}${p}`, { method, headers: { authorization: `Bearer ${gw.rt.ctx.config.PAYGATE_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
}

// Seeded: both sides, and every run, get buyers alike.
const rand = seeded(7);
const byte = () => 1 + Math.floor(rand() * 254);
/** `n` creates, each a new order, customer, e-mail and device from an address of its own (public ranges, so geo-IP answers). */
const bodies = (tag: string, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({
  amount: 8888, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `${tag}-${i}`, description: 'bench',
  customer: { id: `c-${tag}-${i}`, email: `b-${tag}-${i}@example.com` }, device_id: `d-${tag}-${i}`, client_ip: `${[1, 14, 27, 36, 58][i % 5]}.${byte()}.${byte()}.${byte()}`,
}));

interface Side { requests: number; seconds: number; p99: number[]; bad: number }
const emptySide = (): Side => ({ requests: 0, seconds: 0, p99: [], bad: 0 });
const add = (s: Side, r: LoadResult) => { s.requests += r.requests; s.seconds += r.durationSec; s.p99.push(r.p99); s.bad += r.requests - (r.statusCounts['201'] ?? 0); };

async function benchDb(db: string): Promise<string> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `paygate-bench-risk-${db}-`));
  let pgdb: BenchDatabase | undefined;
  let gw: BenchGateway | undefined;
  try {
    if (db === 'postgres') pgdb = await createBenchDatabase();
    gw = await startBenchGateway(tmp, pgdb?.url);
    const off = { key: gw.secretKey };
    const m = await createSandboxMerchant(gw.rt.ctx, gw.rt.simulators, 'Bench risk on');
    await admin(gw, 'PUT', `/admin/merchants/${m.id}/risk/rules`, { rules: rules(RULES), force: true });
    const list = entries(ENTRIES);
    for (let i = 0; i < list.length; i += 1000) await admin(gw, 'POST', `/admin/merchants/${m.id}/risk/lists`, { entries: list.slice(i, i + 1000) });
    log(`${db}: ${RULES} rules, ${ENTRIES} list entries; ${ROUNDS} rounds of ${PER_ROUND} creates per side, ${CONNECTIONS} connections`);
    const spec = (key: string, tag: string, n: number) => ({ url: `${gw!.url}/v1/payments`, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, connections: CONNECTIONS, bodies: bodies(tag, n), expectStatus: 201 });
    // Warm both paths (JIT, caches, the geo-IP database) before anything counts.
    await runLoad(spec(off.key, 'warm-off', PER_ROUND / 2));
    await runLoad(spec(m.secret_key, 'warm-on', PER_ROUND / 2));
    const sides = { off: emptySide(), on: emptySide() };
    // Which side goes first alternates too: a round after a heavier one starts on a busier machine.
    const round = async (side: 'off' | 'on', r: number) => {
      const res = await runLoad(spec(side === 'off' ? off.key : m.secret_key, `${side}${r}`, PER_ROUND));
      add(sides[side], res);
      log(`${db}: round ${r + 1} ${side}: ${res.rps.toFixed(0)} creates/s, p99 ${res.p99} ms`);
    };
    for (let r = 0; r < ROUNDS; r++) {
      for (const side of r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) if (ONLY === undefined || ONLY === side) await round(side, r);
    }
    await parkPolls(gw);
    const rps = (s: Side) => (s.seconds > 0 ? s.requests / s.seconds : 0);
    const decided = await gw.rt.ctx.metrics.riskDecisions.get();
    const byAction = decided.values.map((v) => `${String(v.labels.action)} ${v.value}`).join(', ');
    return `${db.padEnd(8)} off ${rps(sides.off).toFixed(0).padStart(5)} creates/s (p99 ${Math.max(...sides.off.p99)} ms)   on ${rps(sides.on).toFixed(0).padStart(5)} creates/s (p99 ${Math.max(...sides.on.p99)} ms)   on/off ${(rps(sides.on) / rps(sides.off)).toFixed(2)} (goal ≥ 0.90)   not 201: off ${sides.off.bad}, on ${sides.on.bad}; decisions: ${byAction}`;
  } finally {
    await gw?.rt.stop().catch(() => undefined);
    await pgdb?.drop().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const lines: string[] = [];
  for (const db of DBS) lines.push(await benchDb(db));
  console.log('\nRisk control on vs off (create alipay_qr, same gateway, alternating rounds)');
  for (const l of lines) console.log(l);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
