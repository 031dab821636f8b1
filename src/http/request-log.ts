/**
 * One line per answered request at info: what a developer greps for on the first day ("did
 * my call arrive, what did it get, how long"). Method, route pattern (never the raw URL: a
 * path or query may carry a cashier token or buyer data), status, duration, request id and
 * the authenticated merchant — never a header or a body. Probes and the simulators' own
 * traffic go at debug, so an idle gateway behind a load balancer does not fill the log.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticatedKeyOf } from './define.js';

/** Routes answered many times a minute by machines: health probes, scrapes, the cashier's status poll. */
const QUIET_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics', '/pay/:id/status']);

export function requestLogLevel(route: string | undefined): 'info' | 'debug' {
  if (route === undefined) return 'info';
  // /sandbox/<provider>/…: the provider side of a payment (often Paygate calling its own
  // in-process simulator); the gateway's half of the same call has its own line.
  return QUIET_ROUTES.has(route) || route.startsWith('/sandbox/') ? 'debug' : 'info';
}

export function installRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (req: FastifyRequest, reply) => {
    const route = req.routeOptions.url;
    req.log[requestLogLevel(route)]({
      method: req.method, route: route ?? null, status: reply.statusCode, duration_ms: Math.round(reply.elapsedTime * 10) / 10,
      request_id: req.id, merchant_id: authenticatedKeyOf(req)?.merchant_id ?? null,
    }, 'request');
  });
}
