/** Builds the Fastify app: parsers, the one error handler, routes, OpenAPI, simulators. */
import crypto from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { PaygateError } from '../domain/errors.js';
import type { AppContext } from '../app/context.js';
import { classOf, createAdmission, trustProxy } from './admission.js';
import { applyTimeouts, fastifyTimeouts } from './timeouts.js';
import { errorResponse } from './errors.js';
import { openApiOps } from './define.js';
import { buildOpenApi } from './openapi.js';
import { paymentRoutes } from './routes/payments.js';
import { webhookRoutes } from './routes/webhooks.js';
import { eventDeliveryRoutes } from './routes/event-deliveries.js';
import { adminRoutes } from './routes/admin.js';
import { adminApiKeyListRoutes } from './routes/admin-api-keys-list.js';
import { adminHealthRoutes } from './routes/admin-health.js';
import { adminRoutingRoutes } from './routes/admin-routing.js';
import { adminPrivacyRoutes } from './routes/admin-privacy.js';
import { adminJobsRoutes } from './routes/admin-jobs.js';
import { adminReconciliationRoutes } from './routes/admin-reconciliation.js';
import { adminRiskRoutes } from './routes/admin-risk.js';
import { adminReviewRoutes } from './routes/admin-reviews.js';
import { notificationSecretHeaderPaths } from '../app/privacy.js';
import { notifyRoutes } from './routes/notify.js';
import { opsRoutes } from './routes/ops.js';
import { payPageRoutes } from './routes/pay-page.js';
import { payReturnRoutes } from './routes/pay-return.js';
import { sandboxIndexRoutes, sandboxPayRoutes } from './routes/sandbox-index.js';
import { installListenerHooks } from './listeners.js';
import { installRequestLog } from './request-log.js';
import type { TlsServerOptions } from './tls.js';

/** /docs shows Paygate's name and mark, not the framework's banner. */
const DOCS_BRANDING = {
  theme: { title: 'Paygate API reference' },
  logo: {
    type: 'image/svg+xml', href: '/docs', target: '_self' as const,
    content: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="150" height="36" viewBox="0 0 150 36"><title>Paygate</title><rect x="1" y="5" width="26" height="26" rx="6" fill="#0b7a5a"/><path d="M8 18h12M14 12v12" stroke="#fff" stroke-width="3" stroke-linecap="round"/><text x="35" y="26" font-family="system-ui,sans-serif" font-size="20" font-weight="700" fill="#fff">Paygate</text></svg>'),
  },
};

export interface MountedSimulator { provider: string; plugin: FastifyPluginAsync }

export const LOG_REDACT = [
  'req.headers.authorization', 'req.headers["idempotency-key"]', '*.credentials', '*.private_key', '*.secret_key', '*.apiv3_key', '*.client_secret', '*.webhook_secret', '*.secret',
  // Risk inputs: who pays (a create's body, a payment logged whole).
  '*.customer', '*.client_ip', '*.device_id', '*.customer_email', '*.customer_phone',
  // Provider signature headers (wechatpay-signature, paypal-transmission-sig, stripe-signature), from each connector's declaration.
  ...notificationSecretHeaderPaths(),
];

export interface Server {
  app: FastifyInstance;
  /**
   * Graceful shutdown, step one: refuse new gateway requests (503) and wait for the ones in
   * flight. Simulator routes stay open meanwhile, because an in-flight create may be calling
   * the in-process simulator over loopback.
   */
  drain(timeoutMs: number): Promise<void>;
}

/** `logger`: the process's pino logger (Fastify needs the full logger; the app layer sees only AppLogger). */
export async function buildServer(ctx: AppContext, opts: { logger: FastifyBaseLogger; simulators?: MountedSimulator[]; version?: string; https?: TlsServerOptions }): Promise<Server> {
  // With `https`, app.server is an https.Server (typed as the http one); see http/tls.ts.
  const app = Fastify({
    ...(opts.https ? { https: opts.https } : {}),
    loggerInstance: opts.logger,
    bodyLimit: ctx.config.PAYGATE_BODY_LIMIT,
    genReqId: () => `req_${crypto.randomBytes(9).toString('base64url')}`,
    logController: new LogController({ disableRequestLogging: ctx.config.LOG_LEVEL !== 'debug' && ctx.config.LOG_LEVEL !== 'trace' }),
    // Stop accepting work but let in-flight requests finish on close().
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // Header, body, keep-alive and socket timeouts (http/timeouts.ts); set on the server itself below too.
    ...fastifyTimeouts(ctx.config),
    // req.ip (per-client budgets) believes X-Forwarded-For only from these proxies.
    trustProxy: trustProxy(ctx.config),
  });
  applyTimeouts(app.server, ctx.config);
  installListenerHooks(app, ctx.config);
  installRequestLog(app);

  // The API reads JSON only: any other body (a form, text/plain) is VALIDATION.UNSUPPORTED_MEDIA_TYPE, 415.
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    (req as { rawBody?: string }).rawBody = text;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new PaygateError('VALIDATION.INVALID_JSON'), undefined);
    }
  });

  let draining = false;
  // Every request counts in its class's budget before any work (http/admission.ts); merchant
  // requests only once authenticated, so unauthenticated traffic never takes their budget.
  const admission = createAdmission(ctx);
  app.addHook('onRequest', async (req, reply) => {
    if (draining && classOf(req) !== 'sandbox') {
      return reply.code(503).header('connection', 'close').send({ error: { code: 'SERVICE.UNAVAILABLE', message: 'Paygate is shutting down; retry on another node or in a moment', request_id: req.id } });
    }
    return admission.admit(req, reply);
  });

  app.addHook('onSend', async (req, reply) => {
    reply.header('request-id', req.id);
    // API answers (errors too) carry keys, amounts and buyer data: no cache may keep them.
    if (classOf(req) === 'merchant') reply.header('cache-control', 'no-store');
  });
  app.setErrorHandler((err, req, reply) => {
    const e = errorResponse(err, req.id);
    if (e.unexpected) req.log.error({ err }, 'request failed');
    return reply.code(e.status).send(e.body);
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: { code: 'RESOURCE.NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}: check the method and path against the API reference at /docs (or /openapi.json)`, request_id: req.id } });
  });

  paymentRoutes(app, ctx);
  webhookRoutes(app, ctx);
  eventDeliveryRoutes(app, ctx);
  adminRoutes(app, ctx);
  adminApiKeyListRoutes(app, ctx);
  adminHealthRoutes(app, ctx);
  adminRoutingRoutes(app, ctx);
  adminPrivacyRoutes(app, ctx);
  adminJobsRoutes(app, ctx);
  adminReconciliationRoutes(app, ctx);
  adminRiskRoutes(app, ctx);
  adminReviewRoutes(app, ctx);
  opsRoutes(app, ctx);
  payPageRoutes(app, ctx);
  payReturnRoutes(app, ctx);
  sandboxPayRoutes(app, ctx);
  await app.register(async (scope) => notifyRoutes(scope, ctx));

  const document = buildOpenApi(openApiOps(app), opts.version ?? '0.1.0');
  app.get('/openapi.json', async () => document);
  await app.register(swagger, { mode: 'static', specification: { document: document as never } });
  await app.register(swaggerUi, { routePrefix: '/docs', ...DOCS_BRANDING });

  for (const sim of opts.simulators ?? []) {
    await app.register(sim.plugin, { prefix: `/sandbox/${sim.provider}` });
  }
  if (opts.simulators?.length) sandboxIndexRoutes(app, ctx, opts.simulators.map((s) => s.provider));
  return {
    app,
    async drain(timeoutMs) {
      draining = true;
      if (admission.inflight() === 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        admission.whenIdle(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
