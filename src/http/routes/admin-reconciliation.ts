/**
 * Reconciliation for operators (docs/reconciliation.md): start a run of one provider
 * account's bill for one day, watch it, read what it found. Runs execute in the background on
 * the node that was asked; GET shows their progress (rows_read) on any node.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { allDifferences, getRun, listDifferences, listRunsFor, startRun } from '../../app/reconciliation/runs.js';
import { CSV_COLUMNS, differenceCsvLine, differenceToApi, runToApi } from '../../app/reconciliation/representations.js';
import { PROVIDERS } from '../../app/connectors.js';
import { DIFFERENCE_CLASSES, DIFFERENCE_STATUSES, RUN_STATUSES } from '../../domain/reconciliation.js';
import { defineRoute } from '../define.js';
import { listQuery } from '../schemas.js';
import { reconciliationDifferenceList, reconciliationRunList, reconciliationRunObject } from './reconciliation-objects.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'send the provider\'s bill day as yyyy-mm-dd, e.g. 2026-12-01');
const accountId = z.string().regex(/^pa_[0-9a-z]{26}$/, 'send a provider account id (pa_…) from GET /admin/merchants/{id}/provider_accounts');
const runParams = z.object({ id: z.string().regex(/^rcr_[0-9a-z]{26}$/, 'must be a reconciliation run id (rcr_…)').meta({ description: 'The run id from POST or GET /admin/reconciliation_runs' }) });

const startBody = z.strictObject({
  provider_account_id: accountId.meta({ description: 'The provider account whose bill to read' }),
  day: day.meta({ description: 'The provider\'s bill day (its time zone: Asia/Shanghai for Alipay, WeChat Pay, UnionPay; UTC for Stripe and PayPal)' }),
});

const runsQuery = listQuery.extend({
  provider: z.enum(PROVIDERS).optional(), provider_account_id: accountId.optional(), day: day.optional(), status: z.enum(RUN_STATUSES).optional(),
});

const differencesQuery = listQuery.extend({
  class: z.enum(DIFFERENCE_CLASSES).optional().meta({ description: 'Only differences of this class' }),
  status: z.enum(DIFFERENCE_STATUSES).optional(),
  format: z.enum(['json', 'csv']).optional().meta({ description: 'csv: every difference of the run as a CSV download (the same as Accept: text/csv); limit and starting_after then do not apply' }),
});

export function adminReconciliationRoutes(app: FastifyInstance, ctx: AppContext): void {
  defineRoute(app, ctx, {
    method: 'POST', url: '/admin/reconciliation_runs', tag: 'Admin', auth: 'admin', body: startBody, success: 202, response: reconciliationRunObject,
    summary: 'Reconcile one provider account\'s bill for one day: answers 202 with the run, status running; poll GET /admin/reconciliation_runs/{id} until it is succeeded or failed. '
      + 'Running the same account and day again updates the same run (no duplicate differences). RECON.RUN_IN_PROGRESS (409) while it runs, RECON.NOT_SUPPORTED (422) for a provider without bills.',
  }, async ({ body }) => ({ status: 202, body: runToApi(await startRun(ctx, { provider_account_id: body.provider_account_id, day: body.day, trigger: 'api' })) }));

  defineRoute(app, ctx, {
    method: 'GET', url: '/admin/reconciliation_runs', tag: 'Admin', auth: 'admin', query: runsQuery, response: reconciliationRunList,
    summary: 'List reconciliation runs, newest first, optionally of one provider, account, day or status.',
  }, async ({ query }) => {
    const page = await listRunsFor(ctx, query);
    return { body: { object: 'list', data: page.data.map(runToApi), has_more: page.has_more } };
  });

  defineRoute(app, ctx, {
    method: 'GET', url: '/admin/reconciliation_runs/{id}', tag: 'Admin', auth: 'admin', params: runParams, response: reconciliationRunObject,
    summary: 'One reconciliation run: its status, progress (rows_read), differences by class and, when it failed, the RECON.* error.',
  }, async ({ params }) => ({ body: runToApi(await getRun(ctx, params.id)) }));

  defineRoute(app, ctx, {
    method: 'GET', url: '/admin/reconciliation_runs/{id}/differences', tag: 'Admin', auth: 'admin', params: runParams, query: differencesQuery, response: reconciliationDifferenceList,
    summary: 'The differences a run found, oldest first, paged; with Accept: text/csv (or format=csv) every difference as a CSV file '
      + `(columns ${CSV_COLUMNS.join(', ')}; expected, actual and repair as JSON).`,
  }, async ({ params, query, req }) => {
    if (query.format === 'csv' || (query.format === undefined && /\btext\/csv\b/.test(req.headers.accept ?? ''))) {
      const run = await getRun(ctx, params.id);
      async function* lines() {
        yield `${CSV_COLUMNS.join(',')}\r\n`;
        for await (const d of allDifferences(ctx, params.id)) yield differenceCsvLine(d);
      }
      return { body: null, raw: { contentType: 'text/csv; charset=utf-8', body: Readable.from(lines()), filename: `reconciliation-${run.provider}-${run.day}-${run.id}.csv` } };
    }
    const page = await listDifferences(ctx, params.id, query);
    return { body: { object: 'list', data: page.data.map(differenceToApi), has_more: page.has_more } };
  });
}
