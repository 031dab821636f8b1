/**
 * The worker loop: claims due jobs up to a concurrency bound and runs their handlers.
 * A handler says what happens next (done, run again at a time, or give up); a thrown error
 * is retried with capped exponential backoff. Every kind has a bound on its runs, thrown
 * errors and lost leases included: when it is spent the job is kept as a dead letter
 * (jobs.dead_at), never claimed again, counted and logged, after the kind's onDead hook has
 * taken the object to its final state where it has one. stop() stops claiming and waits
 * for in-flight jobs, which is what graceful shutdown needs.
 */
import { bury, claim, complete, reschedule } from './queue.js';
import type { DbHandle } from '../db/index.js';
import type { JobRow } from '../db/schema.js';
import type { Metrics } from '../metrics.js';

export type JobOutcome =
  | { done: true }
  /** error: why this run did not finish the work; kept in jobs.last_error for operators. */
  | { done: false; runAt: number; payload?: Record<string, unknown>; error?: string }
  /** Nothing more to try: the job becomes a dead letter at once, with this as its last error. */
  | { done: false; giveUp: string };
export type JobHandler = (job: JobRow) => Promise<JobOutcome>;

export interface JobSpec {
  run: JobHandler;
  /**
   * Runs at most, counting every claim: runs that rescheduled, threw, or whose node died
   * mid-run. After the last one the job is dead.
   */
  maxRuns: number;
  /** Periodic work (purges): a run that ends normally starts the count again, so the bound is on failures in a row. */
  recurring?: boolean;
  /**
   * The kind's own ending (e.g. record the payment expired anyway), called before the row
   * becomes a dead letter. Idempotent: it runs again if burying failed.
   */
  onDead?: (job: JobRow, error: string) => Promise<void>;
}

/** A job of a kind this node has no handler for still ends (a node of an older version, a typo). */
export const UNKNOWN_KIND_MAX_RUNS = 10;

/** Seconds before the run after run number `runs` (1-based) threw: 2, 4, 8 … at most 10 min. */
export function errorBackoffS(runs: number): number {
  return Math.min(2 ** Math.max(1, runs), 600);
}

const MAX_ERROR_CHARS = 1000;

export function errorText(err: unknown): string {
  const s = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return s.length > MAX_ERROR_CHARS ? `${s.slice(0, MAX_ERROR_CHARS)}…` : s;
}

/** What the worker does with a job after a run: the whole retry policy, as a pure function. */
export type Fate =
  | { kind: 'complete' }
  | { kind: 'reschedule'; runAt: number; payload?: Record<string, unknown> | undefined; error?: string | undefined; restartCount: boolean }
  | { kind: 'dead'; error: string };

/** A claimed job whose runs are already spent ends before running; undefined means run it. */
export function fateBeforeRun(spec: JobSpec | undefined, job: JobRow): { kind: 'dead'; error: string } | undefined {
  const maxRuns = spec?.maxRuns ?? UNKNOWN_KIND_MAX_RUNS;
  return job.attempts > maxRuns ? { kind: 'dead', error: job.last_error ?? `no run finished in ${maxRuns} runs` } : undefined;
}

export function fateAfterRun(spec: JobSpec | undefined, job: JobRow, result: JobOutcome | { thrown: unknown }, now: number, timeScale: number): Fate {
  const maxRuns = spec?.maxRuns ?? UNKNOWN_KIND_MAX_RUNS;
  const last = job.attempts >= maxRuns;
  if ('thrown' in result) {
    const error = errorText(result.thrown);
    return last ? { kind: 'dead', error } : { kind: 'reschedule', runAt: now + errorBackoffS(job.attempts) * 1000 * timeScale, error, restartCount: false };
  }
  if (result.done) return { kind: 'complete' };
  if ('giveUp' in result) return { kind: 'dead', error: result.giveUp };
  // A recurring job that ran normally starts its count again, so only failures in a row end it.
  if (last && !spec?.recurring) return { kind: 'dead', error: result.error ?? job.last_error ?? `not done after ${maxRuns} runs` };
  return { kind: 'reschedule', runAt: result.runAt, payload: result.payload, error: result.error, restartCount: spec?.recurring === true };
}

export interface WorkerOptions {
  db: DbHandle;
  workerId: string;
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  timeScale: number;
  handlers: Record<string, JobSpec>;
  onError: (job: JobRow, err: unknown) => void;
  onRun?: (job: JobRow, outcome: 'done' | 'rescheduled' | 'error' | 'dead') => void;
  /** paygate_jobs_dead_total{kind} is counted here, so every way of dying counts. */
  metrics?: Pick<Metrics, 'jobsDead'>;
  /** Where the error-level line about a dead job goes. */
  log?: { error(obj: object, msg: string): void };
  now?: () => number;
}

export class Worker {
  #inflight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #ticking = false;
  #kickPending = false;
  readonly #o: WorkerOptions;
  readonly #now: () => number;

  constructor(o: WorkerOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  start(): void {
    this.#running = true;
    this.#schedule(0);
  }

  /** Called after enqueueing work due now, so it runs without waiting for the next poll. */
  kick(): void {
    if (!this.#running) return;
    if (this.#ticking) {
      this.#kickPending = true;
      return;
    }
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  #schedule(ms: number): void {
    if (!this.#running) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), ms);
  }

  async #tick(): Promise<void> {
    if (!this.#running || this.#ticking) return;
    this.#ticking = true;
    let claimed = 0;
    try {
      const room = this.#o.concurrency - this.#inflight.size;
      if (room > 0) {
        const jobs = await claim(this.#o.db, this.#o.workerId, room, this.#o.leaseMs, this.#now());
        claimed = jobs.length;
        for (const job of jobs) this.#run(job);
      }
    } catch {
      // Database unreachable: keep polling; the jobs are safe in the table.
    } finally {
      this.#ticking = false;
    }
    const again = this.#kickPending || (claimed > 0 && this.#inflight.size < this.#o.concurrency);
    this.#kickPending = false;
    this.#schedule(again ? 0 : this.#o.pollMs);
  }

  #run(job: JobRow): void {
    const spec = this.#o.handlers[job.kind];
    const p = (async () => {
      const db = this.#o.db.db;
      // attempts was counted by the claim. Past the bound means the last run never finished
      // (its node died, or burying failed): end it without running again.
      const before = fateBeforeRun(spec, job);
      if (before) return this.#giveUp(job, spec, before.error);
      let fate: Fate;
      let thrown: unknown;
      try {
        if (!spec) throw new Error(`no handler for job kind ${job.kind}`);
        fate = fateAfterRun(spec, job, await spec.run(job), this.#now(), this.#o.timeScale);
      } catch (err) {
        thrown = err;
        fate = fateAfterRun(spec, job, { thrown: err }, this.#now(), this.#o.timeScale);
        this.#o.onRun?.(job, 'error');
        if (fate.kind !== 'dead') this.#o.onError(job, err);
      }
      try {
        if (fate.kind === 'dead') return await this.#giveUp(job, spec, fate.error, thrown);
        if (fate.kind === 'complete') await complete(db, job, this.#o.workerId);
        else await reschedule(db, job, this.#o.workerId, fate.runAt, fate);
        if (thrown === undefined) this.#o.onRun?.(job, fate.kind === 'complete' ? 'done' : 'rescheduled');
      } catch {
        // Database unreachable: the lease runs out and the job is claimed again.
      }
    })();
    this.#inflight.add(p);
    void p.finally(() => {
      this.#inflight.delete(p);
      if (this.#running) this.kick();
    });
  }

  /**
   * The kind's ending first, then the dead letter. A failing ending is logged and noted in
   * last_error but does not keep the job alive: that would be the unbounded retry again.
   */
  async #giveUp(job: JobRow, spec: JobSpec | undefined, error: string, cause?: unknown): Promise<void> {
    let lastError = error;
    try {
      await spec?.onDead?.(job, error);
    } catch (err) {
      lastError = `${error} (and its ending failed: ${errorText(err)})`;
    }
    try {
      const buried = await bury(this.#o.db.db, job, this.#o.workerId, lastError, this.#now());
      if (!buried) return; // the lease was lost to another node, which decides now
    } catch {
      // Database unreachable: the lease runs out, the next claim finds the runs spent and ends it then.
      return;
    }
    this.#o.metrics?.jobsDead.inc({ kind: job.kind });
    this.#o.onRun?.(job, 'dead');
    this.#o.log?.error({ err: cause, job_id: job.id, kind: job.kind, ref: job.ref_id, attempts: job.attempts, last_error: lastError },
      'job gave up: kept as a dead letter (GET /admin/jobs?state=dead; POST /admin/jobs/{id}/retry revives it)');
  }
}
