/**
 * The worker against a real database (SQLite and PostgreSQL): a job that keeps failing ends
 * as a dead letter after its bound — thrown errors and lost leases included — is counted and
 * logged, is never claimed again, and comes back only when revived.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, migratedDb, waitFor } from '../../test-support/harness.js';
import type { DbHandle } from '../db/index.js';
import { createMetrics } from '../metrics.js';
import { claim, enqueue, PARKED_RUN_AT, type JobKind } from './queue.js';
import { countDeadByKind, listJobs, revive } from './dead-letters.js';
import { Worker, type JobSpec, type WorkerOptions } from './worker.js';

describe.each(DB_KINDS)('job worker on %s', (kind) => {
  let h: DbHandle;
  let cleanup: () => Promise<void>;
  const workers: Worker[] = [];

  beforeAll(async () => {
    const db = await migratedDb(kind, 'paygate-worker-');
    h = db.h;
    cleanup = db.drop;
  });
  // One worker at a time: another test's worker would claim this test's jobs.
  afterEach(async () => {
    while (workers.length > 0) await workers.pop()!.stop();
  });
  afterAll(async () => {
    await cleanup?.();
  });

  function start(handlers: Record<string, JobSpec>, extra: Partial<WorkerOptions> = {}) {
    const metrics = createMetrics();
    const logged: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    const errors: unknown[] = [];
    const w = new Worker({
      db: h, workerId: `w-${workers.length}`, concurrency: 4, pollMs: 10, leaseMs: 60_000, timeScale: 0.0001, handlers,
      onError: (_job, err) => errors.push(err), metrics, log: { error: (obj, msg) => logged.push({ obj: obj as Record<string, unknown>, msg }) }, ...extra,
    });
    workers.push(w);
    w.start();
    return { w, metrics, logged, errors };
  }
  const row = (ref: string, k: JobKind) => h.db.selectFrom('jobs').selectAll().where('kind', '=', k).where('ref_id', '=', ref).executeTakeFirst();
  const deadTotal = async (metrics: ReturnType<typeof createMetrics>, k: string) =>
    (await metrics.jobsDead.get()).values.find((v) => v.labels.kind === k)?.value ?? 0;

  it('a handler that always throws is dead after its bound, counted, logged, and never claimed again', async () => {
    let runs = 0;
    const endings: string[] = [];
    const { w, metrics, logged, errors } = start({
      poll_attempt: { maxRuns: 4, run: async () => { runs++; throw new Error(`provider exploded #${runs}`); }, onDead: async (_job, err) => { endings.push(err); } },
    });
    await enqueue(h.db, { kind: 'poll_attempt', refId: 'att_throws', runAt: Date.now() }, Date.now());
    w.kick();
    const dead = await waitFor(async () => { const r = await row('att_throws', 'poll_attempt'); return r?.dead_at ? r : undefined; }, { what: 'dead job' });
    expect(runs).toBe(4);
    expect(dead.attempts).toBe(4);
    expect(dead.last_error).toBe('Error: provider exploded #4');
    expect(dead.run_at).toBe(PARKED_RUN_AT);
    expect(dead.locked_by).toBeNull();
    expect(endings).toEqual(['Error: provider exploded #4']);
    expect(errors).toHaveLength(3); // the three runs that were retried; the last one is the dead line
    expect(await deadTotal(metrics, 'poll_attempt')).toBe(1);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.msg).toMatch(/gave up: kept as a dead letter/);
    expect(logged[0]!.obj).toMatchObject({ kind: 'poll_attempt', ref: 'att_throws', attempts: 4 });

    // Never claimed again, however far in the future.
    await new Promise((r) => setTimeout(r, 100));
    expect(runs).toBe(4);
    expect(await claim(h, 'someone-else', 100, 1000, PARKED_RUN_AT - 1)).toEqual([]);
    expect((await listJobs(h.db, { state: 'dead', limit: 10 })).rows.map((r) => r.ref_id)).toContain('att_throws');
    expect((await countDeadByKind(h.db)).poll_attempt).toBe(1);
    // Enqueueing the same work again keeps the dead letter as it is …
    await enqueue(h.db, { kind: 'poll_attempt', refId: 'att_throws', runAt: Date.now() }, Date.now());
    expect((await row('att_throws', 'poll_attempt'))?.dead_at).not.toBeNull();

    // … an operator's retry brings it back with a fresh count: four more runs, dead again.
    expect((await revive(h.db, dead.id, Date.now()))?.attempts).toBe(0);
    expect(await revive(h.db, dead.id, Date.now())).toBeUndefined(); // not dead any more
    w.kick();
    await waitFor(async () => runs === 8 && (await row('att_throws', 'poll_attempt'))?.dead_at ? true : undefined, { what: 'dead again' });
    expect(await deadTotal(metrics, 'poll_attempt')).toBe(2);
  });

  it('a handler that never finishes is dead after its last run, with its own last error', async () => {
    let runs = 0;
    const { w, metrics } = start({
      expire_payment: { maxRuns: 5, run: async () => ({ done: false, runAt: Date.now(), payload: { n: ++runs }, error: `close refused (${runs})` }) },
    });
    await enqueue(h.db, { kind: 'expire_payment', refId: 'pay_never', runAt: Date.now() }, Date.now());
    w.kick();
    const dead = await waitFor(async () => { const r = await row('pay_never', 'expire_payment'); return r?.dead_at ? r : undefined; });
    expect(runs).toBe(5);
    expect(dead.last_error).toBe('close refused (5)');
    expect(JSON.parse(dead.payload)).toEqual({ n: 4 }); // the last reschedule's; the dead run writes none
    expect(await deadTotal(metrics, 'expire_payment')).toBe(1);
  });

  it('a recurring job counts failures in a row only', async () => {
    let runs = 0;
    const { w } = start({
      // Fails twice, succeeds once, forever: never three failures in a row.
      purge_idempotency: { maxRuns: 3, recurring: true, run: async () => { runs++; if (runs % 3 !== 0) throw new Error('db busy'); return { done: false, runAt: Date.now() }; } },
    });
    await enqueue(h.db, { kind: 'purge_idempotency', refId: 'global', runAt: Date.now() }, Date.now());
    w.kick();
    await waitFor(() => (runs >= 12 ? true : undefined), { what: '12 runs' });
    await w.stop();
    const r = await row('global', 'purge_idempotency');
    expect(r?.dead_at ?? null).toBeNull();
  });

  it('a job whose runs were spent by crashed nodes ends without running again', async () => {
    let runs = 0;
    // Three claims that never finished (their node died); the lease has run out.
    const now = Date.now();
    await enqueue(h.db, { kind: 'sync_refund', refId: 're_crashy', runAt: now }, now);
    await h.db.updateTable('jobs').set({ attempts: 3, locked_by: 'dead-node', locked_until: now - 1, last_error: 'lease lost' }).where('ref_id', '=', 're_crashy').execute();
    const { w, metrics } = start({ sync_refund: { maxRuns: 3, run: async () => { runs++; return { done: true }; } } });
    w.kick();
    const dead = await waitFor(async () => { const r = await row('re_crashy', 'sync_refund'); return r?.dead_at ? r : undefined; });
    expect(runs).toBe(0);
    expect(dead.attempts).toBe(4);
    expect(dead.last_error).toBe('lease lost');
    expect(await deadTotal(metrics, 'sync_refund')).toBe(1);
  });

  it('a kind without a handler ends too', async () => {
    const { w, metrics } = start({});
    await enqueue(h.db, { kind: 'deliver_webhook', refId: 'whd_orphan', runAt: Date.now() }, Date.now());
    w.kick();
    const dead = await waitFor(async () => { const r = await row('whd_orphan', 'deliver_webhook'); return r?.dead_at ? r : undefined; }, { timeoutMs: 30_000 });
    expect(dead.last_error).toBe('Error: no handler for job kind deliver_webhook');
    expect(await deadTotal(metrics, 'deliver_webhook')).toBe(1);
  });
});
