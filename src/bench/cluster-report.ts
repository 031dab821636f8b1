/** The cluster bench's Markdown report: throughput 1 vs 3 nodes, and the flash sale. */
import os from 'node:os';

export interface Throughput {
  nodes: number; requests: number; ok: number; seconds: number; rps: number; p50: number; p99: number; failures: Record<string, number>;
  /** req/s of each measured round, in order. */
  roundRps: number[];
  /** Share of a core an idle node of the other cluster used during these rounds. */
  idleNodeCore: number | undefined;
  /** CPU seconds per 1000 successful creates, by process group. */
  cpuPer1000: { gateway: number; simulator: number; client: number } | undefined;
  machineBusy: number | undefined;
}

export interface FlashSale {
  buyers: number; concurrency: number; ok: number; timeouts: number; p50: number; p99: number; max: number; seconds: number;
  byAccount: { a: number; b: number }; fellBack: number; failures: Record<string, number>;
  /** Buyers whose create got no provider answer at first and was repeated (same attempt, same out_trade_no). */
  repeated: number;
  /** From the nodes' own /metrics, summed: what happened behind the answers. */
  createErrors: Record<string, number>; fallbacks: Record<string, number>; breakerA: Record<string, number>;
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(v < 10 ? 1 : 0) : '–');
const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '–');
const codes = (f: Record<string, number>) => Object.entries(f).map(([k, v]) => `${k} ×${v}`).join(', ') || 'none';

/** The knobs the report names (see cluster.ts). */
export interface ReportSettings { connections: number; rounds: number; seconds: number; flashN: number; flashConcurrency: number; flashTimeoutMs: number }

export function report(settings: ReportSettings, runs: Throughput[], flash: FlashSale | undefined, flashError: string | undefined): void {
  const { connections: CONNECTIONS, rounds: ROUNDS, seconds: SECONDS, flashN: FLASH_N, flashConcurrency: FLASH_CONCURRENCY, flashTimeoutMs: FLASH_TIMEOUT_MS } = settings;
  const cores = os.cpus().length;
  const out: string[] = [];
  out.push('', `## Cluster: create-payment throughput, PostgreSQL + Redis, alipay_qr (${cores} cores, ${CONNECTIONS} requests in flight, ${ROUNDS} × ${SECONDS} s each)`, '');
  out.push('| nodes | creates | req/s | p50 ms | p99 ms | failures | CPU s per 1000 creates: gateways / simulator / client | machine busy |');
  out.push('| ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |');
  for (const r of runs) {
    const cpu = r.cpuPer1000 ? `${r.cpuPer1000.gateway.toFixed(2)} / ${r.cpuPer1000.simulator.toFixed(2)} / ${r.cpuPer1000.client.toFixed(2)}` : '–';
    out.push(`| ${r.nodes} | ${r.ok} | ${r.rps.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p99)} | ${codes(r.failures)} | ${cpu} | ${r.machineBusy === undefined ? '–' : pct(r.machineBusy, 1)} |`);
  }
  const one = runs.find((r) => r.nodes === 1);
  const three = runs.find((r) => r.nodes === 3);
  if (one && three && one.rps > 0) {
    const perRound = three.roundRps.map((r, k) => (one.roundRps[k] ? (r / one.roundRps[k]!).toFixed(2) : '–')).join(', ');
    out.push('', `3 nodes / 1 node: **${(three.rps / one.rps).toFixed(2)}×** (per round: ${perRound})`, '');
    const busy = one.machineBusy === undefined || three.machineBusy === undefined ? ''
      : ` The machine was ${pct(one.machineBusy, 1)} busy during the 1-node rounds and ${pct(three.machineBusy, 1)} during the 3-node rounds (every process on it counted).`;
    const cpu = one.cpuPer1000 && three.cpuPer1000
      ? ` The gateways spent ${one.cpuPer1000.gateway.toFixed(1)} ms of CPU per create as one node and ${three.cpuPer1000.gateway.toFixed(1)} ms as three. `
        + (one.idleNodeCore === undefined ? '' : `Not background work: an idle node used ${pct(one.idleNodeCore, 1)} of a core meanwhile. `)
        + 'The same work split over more processes time-sharing the same cores costs more per request — most likely context switches, colder caches, '
        + 'and each event loop waking for fewer events at a time.'
      : '';
    out.push(cores <= 4
      ? `Read this ratio for what it is: all ${three.nodes} gateway processes, PostgreSQL, Redis, the simulator and this load generator share ${cores} cores.${busy} `
        + 'A create is CPU work end to end — RSA-2048 signing of the request (gateway) and of the answer (simulator), JSON and HTTP on both legs, a handful of '
        + 'PostgreSQL statements — so once one node keeps the cores busy, more nodes cannot add capacity here, only processes competing for it.'
        + `${cpu} Nodes share nothing but PostgreSQL and Redis, so on machines of their own throughput grows with their number until PostgreSQL or the `
        + 'provider is the limit; this machine cannot show that. It shows the nodes serving side by side (their correctness under races and a crash is '
        + 'src/http/multinode.test.ts).'
      : `The nodes share ${cores} cores with PostgreSQL, Redis, the simulator and the client.${busy}${cpu}`);
  }
  out.push('', `## Flash sale: ${FLASH_N} buyers, ${FLASH_CONCURRENCY} at once, 3 nodes; account A errors 30 % / hangs 5 %, B healthy; routing ordered [A, B]; provider timeout ${FLASH_TIMEOUT_MS} ms`, '');
  if (flash) {
    out.push('| buyers | success | timeouts | p50 ms | p99 ms | max ms | served by A | served by B | after a fallback | repeated (no answer) | wall time | failures |');
    out.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
    out.push(`| ${flash.buyers} | ${pct(flash.ok, flash.buyers)} | ${pct(flash.timeouts, flash.buyers)} | ${ms(flash.p50)} | ${ms(flash.p99)} | ${ms(flash.max)} | ${flash.byAccount.a} | ${flash.byAccount.b} | ${flash.fellBack} | ${flash.repeated} | ${flash.seconds.toFixed(1)} s | ${codes(flash.failures)} |`);
    out.push('', `Behind the answers (the nodes' /metrics, summed): create calls failed by code: ${codes(flash.createErrors)}; `
      + `accounts passed over by reason: ${codes(flash.fallbacks)}; breaker transitions of A: ${codes(flash.breakerA)}. `
      + 'A "timeout" above is a buyer who got no QR code because of one (client gave up, or CONNECTOR.TIMEOUT answered after the client\'s repeats); '
      + 'a call that hung at A is answered safe_to_repeat (A may hold the order, so it is never replaced at B) and the client repeats it, backing off '
      + 'while A\'s breaker is open; such a buyer counts as "repeated", a success once a repeat got the QR code, and the 2 s timeout plus the back-off show in p99. '
      + `The nodes served ${(flash.buyers / flash.seconds).toFixed(0)} creates/s, so ${flash.concurrency} buyers in flight wait about `
      + `${(flash.concurrency / (flash.buyers / flash.seconds)).toFixed(1)} s each for their turn (Little's law): most of p50 is that queue, not the faults.`);
  } else {
    out.push(`not run: ${flashError ?? 'unknown error'}`);
  }
  console.log(out.join('\n'));
}
