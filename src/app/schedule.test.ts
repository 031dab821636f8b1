import { describe, expect, it } from 'vitest';
import { JOB_SCHEDULES, POLL_DELAYS_S, REFUND_SYNC_DELAYS_S, WEBHOOK_RETRY_DELAYS_S, delayAfterRunS, pollDelayS, worstCaseSpanS } from './schedule.js';
import { connectorFor } from './connectors.js';
import { jobHandlers } from './jobs.js';
import type { AppContext } from './context.js';
import { JOB_KINDS, type JobKind } from '../infra/jobs/queue.js';
import { errorBackoffS, fateAfterRun, fateBeforeRun, type JobSpec } from '../infra/jobs/worker.js';

describe('poll schedule', () => {
  it('uses the provider schedule first, then the shared back-off', () => {
    const up = [1, 2, 4, 8, 16, 32];
    expect([0, 1, 2, 3, 4, 5].map((n) => pollDelayS(up, n))).toEqual(up);
    expect(pollDelayS(up, 6)).toBe(POLL_DELAYS_S[0]);
    expect(pollDelayS(up, 100)).toBe(POLL_DELAYS_S[POLL_DELAYS_S.length - 1]);
  });
  it('defaults to +60 s then backing off', () => {
    expect(pollDelayS(undefined, 0)).toBe(60);
    expect(pollDelayS(undefined, 1)).toBe(120);
  });
  it('UnionPay polls at 1, 2, 4, 8, 16, 32 s, then the shared back-off; others start at +60 s', () => {
    const up = connectorFor('unionpay')?.pollDelaysS;
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => pollDelayS(up, n))).toEqual([1, 2, 4, 8, 16, 32, 60]);
    for (const p of ['alipay', 'wechatpay', 'paypal', 'stripe']) expect(pollDelayS(connectorFor(p)?.pollDelaysS, 0)).toBe(60);
  });
});

describe('every job kind has a bounded schedule', () => {
  const H = 3600;
  // Roughly how long each kind may keep trying when nothing ever works (schedule.ts comments).
  const spans: Record<JobKind, [min: number, max: number]> = {
    poll_attempt: [8 * 24 * H, 9 * 24 * H], // past the longest payment (7 days) plus an expiry's day of closing
    expire_payment: [22 * H, 25 * H], // about a day of failed closes after the deadline
    sync_refund: [6.9 * 24 * H, 7.5 * 24 * H], // a week: refunds may take days
    deliver_webhook: [0, 1e9], // the delivery's own table ends it first, checked below
    purge_idempotency: [0, 1e9], // recurring: bounded in failures in a row, checked below
    purge_notifications: [0, 1e9],
    reconcile_daily: [0, 1e9], // recurring as well
  };

  for (const kind of JOB_KINDS) {
    it(`${kind}: the delays add up to a finite span and the job is dead after run ${JOB_SCHEDULES[kind].maxRuns}`, () => {
      const s = JOB_SCHEDULES[kind];
      expect(Number.isInteger(s.maxRuns) && s.maxRuns > 1).toBe(true);
      for (const thrown of [false, true]) {
        const span = worstCaseSpanS(kind, thrown, kind === 'poll_attempt' ? connectorFor('unionpay')?.pollDelaysS : undefined);
        expect(Number.isFinite(span)).toBe(true);
        if (thrown) expect(span).toBeLessThan(s.maxRuns * 600);
        if (!thrown && !s.recurring) {
          expect(span).toBeGreaterThanOrEqual(spans[kind][0]);
          expect(span).toBeLessThanOrEqual(spans[kind][1]);
        }
      }
      // What the worker does with a run that did not finish: run again until the last, then dead.
      const spec: JobSpec = { run: async () => ({ done: true }), maxRuns: s.maxRuns, ...(s.recurring ? { recurring: true } : {}) };
      const job = (attempts: number) => ({ id: 'job_x', kind, ref_id: 'r', run_at: 0, attempts, payload: '{}', locked_by: 'w', locked_until: 1, created_at: 0 });
      const notDone = { done: false as const, runAt: 1, error: 'still open' };
      for (let run = 1; run <= s.maxRuns; run++) {
        const afterThrow = fateAfterRun(spec, job(run), { thrown: new Error('boom') }, 0, 1);
        expect(afterThrow.kind, `run ${run} threw`).toBe(run === s.maxRuns ? 'dead' : 'reschedule');
        const afterRun = fateAfterRun(spec, job(run), notDone, 0, 1);
        // A recurring job that ran normally starts its count again; every other kind ends.
        expect(afterRun.kind, `run ${run} unfinished`).toBe(run === s.maxRuns && !s.recurring ? 'dead' : 'reschedule');
      }
      expect(fateAfterRun(spec, job(s.maxRuns), notDone, 0, 1)).toEqual(s.recurring ? expect.objectContaining({ restartCount: true }) : { kind: 'dead', error: 'still open' });
      // A run whose node died after the last allowed run: claimed once more, it ends unrun.
      expect(fateBeforeRun(spec, job(s.maxRuns + 1))?.kind).toBe('dead');
      expect(fateBeforeRun(spec, job(s.maxRuns))).toBeUndefined();
    });
  }

  it('the handlers use the table', () => {
    const specs = jobHandlers({} as AppContext);
    for (const kind of JOB_KINDS) {
      expect(specs[kind].maxRuns).toBe(JOB_SCHEDULES[kind].maxRuns);
      expect(specs[kind].recurring === true).toBe(JOB_SCHEDULES[kind].recurring === true);
    }
    // The kinds with a final state of their own reach it when they give up.
    expect(specs.expire_payment.onDead).toBeTypeOf('function');
    expect(specs.deliver_webhook.onDead).toBeTypeOf('function');
  });

  it('a webhook delivery ends by its own table (10 tries over ≈ 1.9 days) well inside the job bound', () => {
    expect(WEBHOOK_RETRY_DELAYS_S.length + 1).toBeLessThan(JOB_SCHEDULES.deliver_webhook.maxRuns);
    const total = WEBHOOK_RETRY_DELAYS_S.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(1.8 * 24 * H);
    expect(total).toBeLessThan(2 * 24 * H);
  });

  it('a thrown error backs off 2, 4, 8 … s up to 10 min', () => {
    expect([1, 2, 3, 9, 10, 50].map(errorBackoffS)).toEqual([2, 4, 8, 512, 600, 600]);
  });

  it('expiry retries a failed close soon, then hourly; refund sync starts after 10 s (the enqueue) then 30 s', () => {
    expect([1, 2, 5, 6, 7, 28].map((r) => delayAfterRunS('expire_payment', r))).toEqual([60, 120, 1800, 3600, 3600, 3600]);
    expect(REFUND_SYNC_DELAYS_S[0]).toBe(10);
    expect([1, 6, 7, 100].map((r) => delayAfterRunS('sync_refund', r))).toEqual([30, 3600, 3600, 3600]);
  });
});
