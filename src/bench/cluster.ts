/**
 * `npm run bench`, part two: several gateway nodes (real `paygate start` processes) on one
 * PostgreSQL database and a private redis-server, with the Alipay simulator as its own
 * process, like the real provider.
 *   1. Payment-creation throughput, 1 node vs 3 nodes in alternating rounds: req/s, p50,
 *      p99, the ratio, and where the CPU went, so the ratio can be read for what it is.
 *   2. Flash sale: a burst of buyers against 3 nodes while account A's simulator fails 30 %
 *      of calls and hangs 5 %; routing is ordered [A, B], so fallback and circuit breakers
 *      decide how many buyers get a QR code and how fast.
 * The load generator is in this process; nothing else is, so it steals no gateway CPU here
 * (it does on the machine: see the CPU table). Takes about 1–2 minutes.
 *
 * Knobs (env):
 *   PAYGATE_BENCH_CLUSTER_SECONDS          measured seconds per round (5)
 *   PAYGATE_BENCH_CLUSTER_ROUNDS           rounds, alternating 1 node and 3 nodes (3)
 *   PAYGATE_BENCH_CLUSTER_WARMUP_SECONDS   warm-up seconds per cluster (3)
 *   PAYGATE_BENCH_CLUSTER_CONNECTIONS      requests in flight in the throughput runs (48)
 *   PAYGATE_BENCH_FLASH_N                  buyers in the flash sale (1500)
 *   PAYGATE_BENCH_FLASH_CONCURRENCY        buyers in flight at once (200)
 *   PAYGATE_BENCH_FLASH_PROVIDER_TIMEOUT_MS  the nodes' provider timeout in the flash sale (2000)
 *   PAYGATE_BENCH_PG_URL                   admin URL of the PostgreSQL server (as run.ts)
 * Exit code 1 if anything went wrong.
 */
import { cpuSeconds, machineJiffies, startSimulatorProcess, type GatewayNode, type SimulatorProcess } from '../test-support/cluster.js';
import { percentile, shoot, startCluster, type Cluster, type Shot } from './cluster-client.js';
import { report, type FlashSale, type Throughput } from './cluster-report.js';
import { startPrivateRedis } from '../test-support/redis.js';
import { numEnv, runKnobs } from './env.js';

const { seconds: SECONDS, warmup: WARMUP, connections: CONNECTIONS, rounds: ROUNDS } = runKnobs('PAYGATE_BENCH_CLUSTER', { seconds: 5, warmup: 3, connections: 48, rounds: 3 }, 'WARMUP_SECONDS');
const FLASH_N = numEnv('PAYGATE_BENCH_FLASH_N', 1500, 1);
const FLASH_CONCURRENCY = numEnv('PAYGATE_BENCH_FLASH_CONCURRENCY', 200, 1);
const FLASH_TIMEOUT_MS = numEnv('PAYGATE_BENCH_FLASH_PROVIDER_TIMEOUT_MS', 2000, 100);

/** Everything started and not yet stopped, so Ctrl-C leaves no process, database or temp dir behind. */
const cleanups = new Set<() => Promise<void>>();
/** Registers `end` for Ctrl-C and returns it, run at most once, for the normal path. */
function track(end: () => Promise<void>): () => Promise<void> {
  let ending: Promise<void> | undefined;
  const once = () => {
    cleanups.delete(once);
    return (ending ??= end());
  };
  cleanups.add(once);
  return once;
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`${sig}: cleaning up`);
    void Promise.allSettled([...cleanups].map((f) => f())).finally(() => process.exit(130));
  });
}

const log = (msg: string) => console.error(`[bench cluster ${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** What one cluster collected over its rounds. */
interface Tally {
  shots: Shot[]; seconds: number; roundRps: number[]; gw: number; sim: number; client: number; cpuKnown: boolean; busy: number; total: number;
  /** CPU seconds the other cluster's nodes used meanwhile, idle: what a node costs without traffic. */
  idleCpu: number; idleNodeSeconds: number;
}

async function measureRound(c: Cluster, idle: GatewayNode[], sim: SimulatorProcess, t: Tally, tag: string): Promise<void> {
  const pids = c.nodes.map((nd) => nd.pid());
  const idlePids = idle.map((nd) => nd.pid());
  const idle0 = idlePids.map(cpuSeconds);
  const gw0 = pids.map(cpuSeconds);
  const sim0 = cpuSeconds(sim.pid);
  const client0 = process.cpuUsage();
  const m0 = machineJiffies();
  const t0 = performance.now();
  const end = Date.now() + SECONDS * 1000;
  let i = 0;
  const shots = await shoot(c, CONNECTIONS, () => (Date.now() < end ? i++ : undefined), tag);
  const seconds = (performance.now() - t0) / 1000;
  const m1 = machineJiffies();
  const gw1 = pids.map(cpuSeconds);
  const idle1 = idlePids.map(cpuSeconds);
  t.idleCpu += idle1.reduce<number>((sum, v, k) => sum + (v ?? 0) - (idle0[k] ?? 0), 0);
  t.idleNodeSeconds += idle.length * seconds;
  const sim1 = cpuSeconds(sim.pid);
  const client = process.cpuUsage(client0);
  t.shots.push(...shots);
  t.seconds += seconds;
  t.roundRps.push(shots.filter((x) => x.status === 201).length / seconds);
  if (gw0.some((v) => v === undefined) || gw1.some((v) => v === undefined) || sim0 === undefined || sim1 === undefined) t.cpuKnown = false;
  t.gw += gw1.reduce<number>((sum, v, k) => sum + (v ?? 0) - (gw0[k] ?? 0), 0);
  t.sim += (sim1 ?? 0) - (sim0 ?? 0);
  t.client += (client.user + client.system) / 1e6;
  if (m0 && m1) {
    t.busy += m1.busy - m0.busy;
    t.total += m1.total - m0.total;
  }
}

function summarise(nodes: number, t: Tally): Throughput {
  const ok = t.shots.filter((x) => x.status === 201).length;
  const failures: Record<string, number> = {};
  for (const x of t.shots) if (x.status !== 201) failures[`${x.status} ${x.code ?? ''}`.trim()] = (failures[`${x.status} ${x.code ?? ''}`.trim()] ?? 0) + 1;
  const sorted = t.shots.map((x) => x.ms).sort((a, b) => a - b);
  const k = ok / 1000;
  return {
    nodes, requests: t.shots.length, ok, seconds: t.seconds, rps: ok / t.seconds, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), failures, roundRps: t.roundRps,
    cpuPer1000: t.cpuKnown && k > 0 ? { gateway: t.gw / k, simulator: t.sim / k, client: t.client / k } : undefined,
    machineBusy: t.total > 0 ? t.busy / t.total : undefined,
    idleNodeCore: t.idleNodeSeconds > 0 ? t.idleCpu / t.idleNodeSeconds : undefined,
  };
}

/**
 * 1 node and 3 nodes (two clusters, two databases, one simulator), measured in alternating
 * rounds: on a shared machine the background load drifts, and interleaving spreads that
 * drift over both sides instead of charging it to whichever ran second. An idle node costs
 * about 1 % of a core, so the idle cluster barely disturbs the measured one.
 */
async function throughput(redisUrl: string): Promise<Throughput[]> {
  const sim = await startSimulatorProcess();
  const stopSim = track(sim.stop);
  const clusters: Cluster[] = [];
  try {
    for (const n of [1, 3]) {
      const c = await startCluster(n, redisUrl, [sim]);
      clusters.push({ ...c, close: track(c.close) });
    }
    const tallies = clusters.map((): Tally => ({ shots: [], seconds: 0, roundRps: [], gw: 0, sim: 0, client: 0, cpuKnown: true, busy: 0, total: 0, idleCpu: 0, idleNodeSeconds: 0 }));
    for (const c of clusters) {
      if (WARMUP <= 0) break;
      const end = Date.now() + WARMUP * 1000;
      let i = 0;
      await shoot(c, CONNECTIONS, () => (Date.now() < end ? i++ : undefined), `warm${c.nodes.length}`);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [k, c] of clusters.entries()) {
        log(`round ${round + 1}/${ROUNDS}: ${c.nodes.length} node${c.nodes.length > 1 ? 's' : ''}, ${SECONDS} s`);
        const idle = clusters.filter((o) => o !== c).flatMap((o) => o.nodes);
        await measureRound(c, idle, sim, tallies[k]!, `r${round}n${c.nodes.length}`);
      }
    }
    return clusters.map((c, k) => summarise(c.nodes.length, tallies[k]!));
  } finally {
    for (const c of clusters) await c.close();
    await stopSim();
  }
}

/** Sums a counter over the nodes' /metrics by one label, for the samples whose labels include `where`. */
function sumCounter(texts: string[], name: string, by: string, where: Record<string, string> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of texts.join('\n').split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(where).some(([k, v]) => labels[k] !== v)) continue;
    const key = labels[by] ?? '?';
    out[key] = (out[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

async function flashSale(redisUrl: string): Promise<FlashSale> {
  const simA = await startSimulatorProcess();
  const stopA = track(simA.stop);
  let stopB: (() => Promise<void>) | undefined;
  let c: Cluster | undefined;
  try {
    const simB = await startSimulatorProcess();
    stopB = track(simB.stop);
    const started = await startCluster(3, redisUrl, [simA, simB], { PAYGATE_PROVIDER_TIMEOUT_MS: String(FLASH_TIMEOUT_MS) });
    c = { ...started, close: track(started.close) };
    const [a, b] = c.accounts as [string, string];
    const put = await fetch(`${c.nodes[0]!.url}/admin/merchants/${c.merchantId}/routing`, {
      method: 'PUT', headers: { authorization: `Bearer ${c.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ method: 'alipay_qr', strategy: 'ordered', accounts: [{ provider_account_id: a }, { provider_account_id: b }] }] }),
    });
    if (put.status !== 200) throw new Error(`PUT routing: ${put.status} ${await put.text()} (is routing implemented?)`);
    await simA.setFaults({ error_rate: 0.3, timeout_rate: 0.05 });
    let i = 0;
    const t0 = performance.now();
    const shots = await shoot(c, FLASH_CONCURRENCY, () => (i < FLASH_N ? i++ : undefined), 'flash');
    const seconds = (performance.now() - t0) / 1000;
    const ok = shots.filter((s) => s.status === 200 || s.status === 201);
    const failures: Record<string, number> = {};
    for (const s of shots) if (s.status !== 200 && s.status !== 201) failures[`${s.status} ${s.code ?? ''}`.trim()] = (failures[`${s.status} ${s.code ?? ''}`.trim()] ?? 0) + 1;
    const sorted = shots.map((s) => s.ms).sort((x, y) => x - y);
    const metrics = await Promise.all(c.nodes.map(async (nd) => (await fetch(`${nd.url}/metrics`)).text()));
    return {
      createErrors: sumCounter(metrics, 'paygate_provider_call_errors_total', 'code', { operation: 'create' }),
      fallbacks: sumCounter(metrics, 'paygate_routing_fallbacks_total', 'reason'),
      breakerA: sumCounter(metrics, 'paygate_provider_breaker_transitions_total', 'to', { provider_account_id: a }),
      buyers: shots.length, concurrency: FLASH_CONCURRENCY, ok: ok.length, seconds,
      // A buyer who waited for nothing: the client gave up, or the gateway answered that the provider timed out.
      timeouts: shots.filter((s) => s.timedOut || (s.code !== undefined && /TIMEOUT/.test(s.code))).length,
      p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN,
      byAccount: { a: ok.filter((s) => s.account === a).length, b: ok.filter((s) => s.account === b).length },
      fellBack: ok.filter((s) => s.fellBack).length, repeated: shots.filter((s) => s.repeats).length, failures,
    };
  } finally {
    await c?.close();
    await stopA();
    await stopB?.();
  }
}

async function main(): Promise<void> {
  const redis = await startPrivateRedis();
  const stopRedis = track(redis.kill);
  const runs: Throughput[] = [];
  let flash: FlashSale | undefined;
  let flashError: string | undefined;
  const problems: string[] = [];
  try {
    log(`throughput: 1 node vs 3 nodes, ${WARMUP} s warm-up each, then ${ROUNDS} alternating rounds of ${SECONDS} s`);
    await throughput(redis.url).then((r) => void runs.push(...r), (err: unknown) => void problems.push(`throughput: ${String(err)}`));
    log(`flash sale: ${FLASH_N} buyers, ${FLASH_CONCURRENCY} at once`);
    flash = await flashSale(redis.url).catch((err: unknown) => {
      flashError = err instanceof Error ? err.message : String(err);
      problems.push(`flash sale: ${flashError}`);
      return undefined;
    });
  } finally {
    await stopRedis();
  }
  report({ connections: CONNECTIONS, rounds: ROUNDS, seconds: SECONDS, flashN: FLASH_N, flashConcurrency: FLASH_CONCURRENCY, flashTimeoutMs: FLASH_TIMEOUT_MS }, runs, flash, flashError);
  for (const p of problems) log(`FAILED ${p}`);
  if (problems.length > 0 || runs.some((r) => r.ok === 0)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
