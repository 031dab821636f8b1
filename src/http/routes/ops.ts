import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { pendingMigrations, ping } from '../../infra/db/index.js';
import { countDue } from '../../infra/jobs/queue.js';
import { PaygateError } from '../../domain/errors.js';
import { bearerMatches } from '../admin-auth.js';

export function opsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await ping(ctx.db);
      const pending = await pendingMigrations(ctx.db);
      if (pending > 0) return reply.code(503).send({ status: 'migrations_pending', pending });
      // Without Redis a node still serves (rate limits per node), so it stays in the load balancer.
      if (ctx.redis) return { status: ctx.redis.state === 'up' ? 'ready' : 'degraded', redis: ctx.redis.state };
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'database_unreachable' });
    }
  });
  app.get('/metrics', async (req, reply) => {
    // Metrics name provider accounts and traffic: with a token set, only the scraper reads them.
    if (ctx.config.PAYGATE_METRICS_TOKEN !== undefined && !bearerMatches(req, ctx.config.PAYGATE_METRICS_TOKEN)) {
      throw new PaygateError('AUTH.INVALID_METRICS_TOKEN');
    }
    ctx.metrics.jobQueueDepth.set(await countDue(ctx.db, ctx.now()).catch(() => -1));
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}
