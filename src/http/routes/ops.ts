import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { dueJobCount, readiness } from '../../app/ops.js';
import { PaygateError } from '../../domain/errors.js';
import { bearerMatches } from '../admin-auth.js';

export function opsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const r = await readiness(ctx);
    if (r.ready) return r.redis !== undefined ? { status: r.status, redis: r.redis } : { status: r.status };
    return reply.code(503).send(r.status === 'migrations_pending' ? { status: r.status, pending: r.pending } : { status: r.status });
  });
  app.get('/metrics', async (req, reply) => {
    // Metrics name provider accounts and traffic: with a token set, only the scraper reads them.
    if (ctx.config.PAYGATE_METRICS_TOKEN !== undefined && !bearerMatches(req, ctx.config.PAYGATE_METRICS_TOKEN)) {
      throw new PaygateError('AUTH.INVALID_METRICS_TOKEN');
    }
    ctx.metrics.jobQueueDepth.set(await dueJobCount(ctx));
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}
