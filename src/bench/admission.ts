/**
 * `npm run bench`, part three (issue 11): the merchant API under an unauthenticated attack.
 * One gateway on SQLite. The merchant load (autocannon, in a child process) is measured
 * in the same run at baseline and while a second child holds 2,000 open cashier
 * status streams (1,000 on one checkout link, 250 on each of four others, 20 per client
 * address) and 50 slow-body connections (one byte every 200 ms, half to /notify, half to
 * /v1 without a valid key, reopened whenever the gateway cuts them) — for
 * GET /v1/payments?limit=10 and POST /v1/payments (alipay_qr, one new order per request).
 * Rounds alternate baseline-first and attack-first (ABBA). Prints req/s, p50 and p99 of every run and the
 * attack/baseline ratios of their means. Takes about two minutes.
 *
 * Knobs (env):
 *   PAYGATE_BENCH_ADMISSION_SECONDS      measured seconds per run (6)
 *   PAYGATE_BENCH_ADMISSION_WARMUP       warm-up seconds before each run (2)
 *   PAYGATE_BENCH_ADMISSION_CONNECTIONS  merchant connections (16)
 *   PAYGATE_BENCH_ADMISSION_STREAMS      streams in all (2000; half on one payment)
 *   PAYGATE_BENCH_ADMISSION_SLOW         slow-body connections (50)
 *   PAYGATE_BENCH_ADMISSION_ROUNDS       rounds, each a baseline and an attack phase (2)
 * Exit code 1 if any merchant request failed or was not 2xx, or the attack could not be set up.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parkPolls, startBenchGateway, type BenchGateway } from './gateway.js';
import { runLoad, stopLoad, type LoadResult, type LoadSpec } from './load.js';
import type { AttackPlan } from './admission-attacker.js';
import { numEnv, runKnobs } from './env.js';

const { seconds: SECONDS, warmup: WARMUP, connections: CONNECTIONS, rounds: ROUNDS } = runKnobs('PAYGATE_BENCH_ADMISSION', { seconds: 6, warmup: 2, connections: 16, rounds: 2 });
const STREAMS = numEnv('PAYGATE_BENCH_ADMISSION_STREAMS', 2000, 2);
const SLOW = numEnv('PAYGATE_BENCH_ADMISSION_SLOW', 50, 0);

const log = (msg: string) => console.error(`[bench admission ${new Date().toISOString().slice(11, 19)}] ${msg}`);

interface Reply { ready?: boolean; report?: boolean; error?: string; [k: string]: unknown }

function ask(child: ChildProcess, msg: unknown, want: 'ready' | 'report'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const on = (m: Reply) => {
      if (m.error) return reject(new Error(`attacker: ${m.error}`));
      if (!m[want]) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send(msg as never);
  });
}

async function measure(gw: BenchGateway, what: 'list' | 'create'): Promise<LoadResult> {
  const spec: LoadSpec = what === 'list'
    ? { url: `${gw.url}/v1/payments?limit=10`, method: 'GET', headers: { authorization: `Bearer ${gw.secretKey}` }, connections: CONNECTIONS, expectStatus: 200 }
    : {
      url: `${gw.url}/v1/payments`, headers: { authorization: `Bearer ${gw.secretKey}`, 'content-type': 'application/json' }, connections: CONNECTIONS, expectStatus: 201,
      bodyTemplate: JSON.stringify({ amount: 8888, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'adm-[<id>]', description: 'bench' }),
    };
  if (WARMUP > 0) await runLoad({ ...spec, durationSec: WARMUP });
  const r = await runLoad({ ...spec, durationSec: SECONDS });
  await parkPolls(gw);
  return r;
}

async function createPayment(gw: BenchGateway, n: number): Promise<string> {
  const res = await fetch(`${gw.url}/v1/payments`, {
    method: 'POST', headers: { authorization: `Bearer ${gw.secretKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: 100, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `adm-target-${n}-${Date.now()}` }),
  });
  if (res.status !== 201) throw new Error(`creating a target payment: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-bench-admission-'));
  // Every default but one: a single checkout link may hold the 1,000 streams the attack opens on it.
  process.env.PAYGATE_SSE_MAX_PER_PAYMENT = String(Math.ceil(STREAMS / 2));
  // The API key's own rate limit (1000/s by default) is not what is measured here.
  process.env.PAYGATE_RATE_LIMIT_PER_S = '1000000';
  const loadAtStart = os.loadavg()[0] ?? 0;
  let gw: BenchGateway | undefined;
  let attacker: ChildProcess | undefined;
  const bad: string[] = [];
  try {
    gw = await startBenchGateway(tmp, undefined);
    log(`gateway at ${gw.url}`);
    type Phase = 'baseline' | 'attack';
    const results: Record<'list' | 'create', Record<Phase, LoadResult[]>> = { list: { baseline: [], attack: [] }, create: { baseline: [], attack: [] } };
    const one = await createPayment(gw, 0);
    const others = await Promise.all([1, 2, 3, 4].map((n) => createPayment(gw!, n)));
    const rest = STREAMS - Math.ceil(STREAMS / 2);
    const plan: AttackPlan = {
      url: gw.url, perAddress: 20, slowBodies: SLOW,
      streams: [[one, Math.ceil(STREAMS / 2)], ...others.map((id, i): [string, number] => [id, Math.floor(rest / 4) + (i < rest % 4 ? 1 : 0)])],
      slowTargets: [
        { path: `/notify/alipay/${gw.accounts.alipay}`, headers: {} },
        { path: '/v1/payments', headers: { authorization: 'Bearer sk_test_not_a_real_key_000000', 'content-type': 'application/json' } },
      ],
    };
    let attackLine = '';
    // Unmeasured: the list's first page then holds created orders in every run, as it will after any create run.
    log('seeding: one create run');
    await measure(gw, 'create');
    // Rounds alternate the order (baseline first, then attack first: ABBA), so a drift on the
    // machine — other work, the database growing with every create — weighs on both phases alike.
    for (let round = 1; round <= ROUNDS; round++) {
      const order: Phase[] = round % 2 === 1 ? ['baseline', 'attack'] : ['attack', 'baseline'];
      for (const phase of order) {
        let child: ChildProcess | undefined;
        if (phase === 'attack') {
          child = attacker = fork(new URL('./admission-attacker.js', import.meta.url), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
          log(`round ${round}: attack: ${STREAMS} streams, ${SLOW} slow bodies`);
          const ready = await ask(child, { start: plan }, 'ready');
          log(`attack in place in ${String(ready.ms)} ms: ${String(ready.streams)} streams open (${String(ready.refused)} refused), ${String(ready.slow)} slow bodies`);
          if (ready.streams !== STREAMS) bad.push(`round ${round}: only ${String(ready.streams)} of ${STREAMS} streams opened`);
        }
        for (const what of ['list', 'create'] as const) {
          log(`round ${round}: ${phase} ${what}`);
          results[what][phase].push(await measure(gw, what));
        }
        if (child) {
          const after = await ask(child, { report: true }, 'report');
          attackLine = `${String(after.streamsOpen)} open streams, ${String(after.slowOpen)} slow bodies open at the end (${String(after.slowCut)} cut by the request timeout and reopened)`;
          const exited = new Promise((r) => child.once('exit', r));
          child.send({ stop: true });
          await exited;
          attacker = undefined;
          // The gateway notices the closed sockets at once; give its event loop a moment before measuring again.
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    }

    console.log(`\nMerchant API under attack (issue 11), ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'CPU'}, node ${process.version}, load average ${loadAtStart.toFixed(1)} at start (other work on the machine skews both phases)`);
    console.log(`${CONNECTIONS} merchant connections, ${ROUNDS} rounds of ${WARMUP} s warm-up + ${SECONDS} s per run; attack: ${attackLine}\n`);
    console.log(`${'scenario'.padEnd(40)}${'req/s'.padStart(7)}${'p50 ms'.padStart(11)}${'p99 ms'.padStart(9)}${'non-2xx'.padStart(10)}${'errors'.padStart(8)}`);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const [what, label] of [['list', 'GET /v1/payments?limit=10'], ['create', 'POST /v1/payments']] as const) {
      for (const phase of ['baseline', 'attack'] as const) {
        results[what][phase].forEach((r, i) => {
          console.log(`${`${label} ${phase} #${i + 1}`.padEnd(40)}${fmt(r.rps).padStart(7)}${fmt(r.p50, 1).padStart(11)}${fmt(r.p99, 1).padStart(9)}${String(r.non2xx).padStart(10)}${String(r.errors).padStart(8)}`);
          if (r.non2xx > 0 || r.errors > 0 || r.unexpectedStatus > 0) bad.push(`${label} ${phase} #${i + 1}: ${r.non2xx} non-2xx, ${r.errors} errors, statuses ${JSON.stringify(r.statusCounts)}`);
        });
      }
      const b = results[what].baseline;
      const a = results[what].attack;
      const ratio = (f: (r: LoadResult) => number) => fmt(mean(a.map(f)) / mean(b.map(f)), 2);
      console.log(`${'  ratio attack / baseline (means)'.padEnd(40)}${ratio((r) => r.rps).padStart(7)}${ratio((r) => r.p50).padStart(11)}${ratio((r) => r.p99).padStart(9)}`);
    }
  } finally {
    if (attacker && attacker.exitCode === null) attacker.send({ stop: true });
    await gw?.rt.stop().catch((err: unknown) => log(`gateway stop failed: ${String(err)}`));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  for (const b of bad) log(`FAILED: ${b}`);
  if (bad.length > 0) process.exitCode = 1;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => {
  stopLoad();
  process.exit(130);
});

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
