/**
 * The worker loop: claims due jobs up to a concurrency bound and runs their handlers.
 * A handler says what happens next (done, or run again at a time); a thrown error is
 * retried with capped exponential backoff. stop() stops claiming and waits for in-flight
 * jobs, which is what graceful shutdown needs.
 */
import { claim, complete, reschedule } from './queue.js';
import type { DbHandle } from '../db/index.js';
import type { JobRow } from '../db/schema.js';

export type JobOutcome = { done: true } | { done: false; runAt: number; payload?: Record<string, unknown> };
export type JobHandler = (job: JobRow) => Promise<JobOutcome>;

export interface WorkerOptions {
  db: DbHandle;
  workerId: string;
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  timeScale: number;
  handlers: Record<string, JobHandler>;
  onError: (job: JobRow, err: unknown) => void;
  onRun?: (job: JobRow, outcome: 'done' | 'rescheduled' | 'error') => void;
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
    const handler = this.#o.handlers[job.kind];
    const p = (async () => {
      const db = this.#o.db.db;
      try {
        if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
        const outcome = await handler(job);
        if (outcome.done) await complete(db, job, this.#o.workerId);
        else await reschedule(db, job, this.#o.workerId, outcome.runAt, outcome.payload);
        this.#o.onRun?.(job, outcome.done ? 'done' : 'rescheduled');
      } catch (err) {
        this.#o.onError(job, err);
        this.#o.onRun?.(job, 'error');
        const backoff = Math.min(2 ** job.attempts * 1000, 600_000) * this.#o.timeScale;
        await reschedule(db, job, this.#o.workerId, this.#now() + backoff).catch(() => undefined);
      }
    })();
    this.#inflight.add(p);
    void p.finally(() => {
      this.#inflight.delete(p);
      if (this.#running) this.kick();
    });
  }
}
