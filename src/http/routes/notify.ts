/**
 * POST /notify/{provider}/{provider_account_id}. Bodies are kept as raw text (any content
 * type) because signatures are verified over the exact bytes received. Registered in its
 * own scope so these parsers don't leak into the JSON API.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { handleNotification } from '../../app/notifications.js';

export async function notifyRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));
  app.post<{ Params: { provider: string; account: string } }>('/notify/:provider/:account', async (req, reply) => {
    const rawBody = typeof req.body === 'string' ? req.body : '';
    const outcome = await handleNotification(ctx, req.params.provider, req.params.account, {
      headers: req.headers, rawBody, contentType: req.headers['content-type'] ?? '',
    });
    return reply.code(outcome.ack.status).type(outcome.ack.contentType).send(outcome.ack.body);
  });
}
