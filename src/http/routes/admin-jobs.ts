/**
 * GET /admin/jobs and POST /admin/jobs/{id}/retry: the operator's view of background work
 * that gave up. Every kind of job has a bounded schedule (app/schedule.ts); one that spent it
 * is kept as a dead letter with its last error. The listing shows them (e.g. refunds whose
 * sync gave up: kind=sync_refund, ref_id the refund), retry runs one again from the start.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { listJobsForAdmin, retryJob } from '../../app/jobs.js';
import { JOB_KINDS } from '../../infra/jobs/queue.js';
import { jobList, jobObject } from './objects.js';
import { defineRoute } from '../define.js';
import { listQuery } from '../schemas.js';

const JOB_FIELDS = 'Each job: id, kind, ref_id (the delivery, attempt, payment or refund it works on), state, attempts (runs since it was last started), '
  + 'last_error (why the last run did not finish), dead_at (when it gave up), run_at (next run; null when dead), created_at.';

export const jobsQuery = listQuery.extend({
  state: z.enum(['dead', 'pending']).default('dead').meta({ description: 'dead: jobs that gave up (dead letters; the default); pending: jobs still scheduled' }),
  kind: z.enum(JOB_KINDS).optional().meta({ description: 'Only jobs of this kind' }),
});

const jobParams = z.object({ id: z.string().regex(/^job_[0-9a-z]{26}$/, 'must be a job_ id').meta({ description: 'The job id from GET /admin/jobs' }) });

export function adminJobsRoutes(app: FastifyInstance, ctx: AppContext): void {
  defineRoute(app, ctx, {
    method: 'GET', url: '/admin/jobs', response: jobList, tag: 'Admin', auth: 'admin', query: jobsQuery,
    summary: `List background jobs, newest first: dead letters (state=dead, the default) or jobs still scheduled. ${JOB_FIELDS}`,
  }, async ({ query }) => ({ body: await listJobsForAdmin(ctx, query) }));

  defineRoute(app, ctx, {
    method: 'POST', url: '/admin/jobs/{id}/retry', response: jobObject, tag: 'Admin', auth: 'admin', params: jobParams,
    summary: 'Revive a dead job: it runs again now with its schedule from the start (run count zero). Answers the job, state pending. '
      + 'JOB.NOT_DEAD (409) for a job that is not dead, JOB.NOT_FOUND (404) for none.',
  }, async ({ params }) => ({ body: await retryJob(ctx, params.id) }));
}
