/**
 * Load generation. autocannon runs in a child process, not in this one: the gateway under
 * test lives in this process, and a client sharing its event loop would steal the very CPU
 * time being measured (and its latencies would include the server's stalls twice). Not a
 * worker thread either: autocannon treats any non-main thread as one of its own workers and
 * then skips aggregating its results (no latency percentiles).
 */
import { fork, type ChildProcess } from 'node:child_process';

export interface LoadSpec {
  /** Full target URL, path included. */
  url: string;
  /** POST unless told; a GET run needs no body template. */
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  connections: number;
  /** Either a fixed duration with a body template (`[<id>]` becomes a unique id per request)… */
  durationSec?: number;
  bodyTemplate?: string;
  /** …or an exact list of bodies, each sent exactly once (autocannon `amount`). */
  bodies?: string[];
  /**
   * Extra headers for bodies[i], merged over `headers`: WeChat, Stripe and PayPal sign
   * each notification in its headers, not only in its body.
   */
  headersPerBody?: Array<Record<string, string>>;
  /** Every answer must have this status (and this body, if given) to count as good. */
  expectStatus: number;
  expectBody?: string;
}

export interface LoadResult {
  requests: number;
  durationSec: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  statusCounts: Record<string, number>;
  /** Answers whose status was not expectStatus (2xx ones included, e.g. 200 instead of 201). */
  unexpectedStatus: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  /** Answers whose body differed from expectBody. */
  mismatches: number;
  /** True when nothing at all went wrong. */
  clean: boolean;
}

export type LoadMessage = { ok: true; result: LoadResult } | { ok: false; error: string };

const running = new Set<ChildProcess>();
let stopped = false;

/** Ctrl-C: kill the load generators we started and refuse new runs, so cleanup is not raced by fresh load. */
export function stopLoad(): void {
  stopped = true;
  for (const child of running) child.kill('SIGTERM');
}

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    if (stopped) return reject(new Error('load generation was stopped'));
    // execArgv: [] so a --cpu-prof given to the bench profiles the gateway, not the client.
    const child = fork(new URL('./load-worker.js', import.meta.url), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    running.add(child);
    child.once('exit', () => running.delete(child));
    let settled = false;
    child.once('message', (msg: LoadMessage) => {
      settled = true;
      if (msg.ok) resolve(msg.result);
      else reject(new Error(`load generator: ${msg.error}`));
    });
    child.once('error', (err) => {
      settled = true;
      reject(err);
    });
    child.once('exit', (code, signal) => {
      if (!settled) reject(new Error(`load generator exited (${signal ?? code}) before reporting`));
    });
    child.send(spec);
  });
}

/** Warm-up then measured run of the same spec; only the measured run is returned. */
export async function warmAndRun(spec: LoadSpec, warmupSec: number, durationSec: number): Promise<LoadResult> {
  if (warmupSec > 0) await runLoad({ ...spec, durationSec: warmupSec });
  return runLoad({ ...spec, durationSec });
}
