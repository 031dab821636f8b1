/**
 * Sandbox conveniences on the gateway:
 * - GET /sandbox (mounted with the simulators): the index of every simulator, its fault
 *   switch, the wallet pages of the sandbox payments waiting for a buyer, the webhook inbox.
 * - POST /admin/sandbox/payments/{id}/pay (always, admin token): plays the buyer of a sandbox
 *   payment at its simulator (app/sandbox-payments.ts), so the CLI needs only the gateway's URL.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { PaygateError } from '../../domain/errors.js';
import { pickLang } from '../cashier/i18n.js';
import { openSandboxPayments, playSandboxBuyer, type OpenSandboxPayment } from '../../app/sandbox-payments.js';
import { renderSandboxIndex } from './sandbox-index-page.js';
import { checkAdminToken } from '../admin-auth.js';

/** GET /sandbox on any Fastify app (the gateway, or `paygate sandbox --port`). */
export function registerSandboxIndex(app: FastifyInstance, o: { providers: readonly string[]; inbox: boolean; payments?: () => Promise<OpenSandboxPayment[]> }): void {
  app.get<{ Querystring: { lang?: string } }>('/sandbox', async (req, reply) => {
    const lang = pickLang(typeof req.query.lang === 'string' ? req.query.lang : undefined, req.headers['accept-language']);
    const payments = o.payments ? await o.payments() : undefined;
    return reply
      .header('content-security-policy', "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
      .header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('cache-control', 'no-store')
      .header('content-language', lang).header('vary', 'accept-language')
      .type('text/html; charset=utf-8')
      .send(renderSandboxIndex({ lang, providers: o.providers, inbox: o.inbox, ...(payments ? { payments } : {}) }));
  });
}

export function sandboxIndexRoutes(app: FastifyInstance, ctx: AppContext, providers: readonly string[]): void {
  registerSandboxIndex(app, { providers: providers.filter((p) => p !== 'webhooks'), inbox: providers.includes('webhooks'), payments: () => openSandboxPayments(ctx) });
}

const payParams = z.object({ id: z.string().regex(/^pay_[0-9a-z]{1,64}$/) });
const payBody = z.strictObject({ outcome: z.enum(['success', 'fail']).default('success') });

export function sandboxPayRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post<{ Params: { id: string } }>('/admin/sandbox/payments/:id/pay', async (req, reply) => {
    checkAdminToken(ctx, req);
    const params = payParams.safeParse(req.params);
    if (!params.success) throw new PaygateError('PAYMENT.NOT_FOUND', `no payment ${req.params.id}`, { field: 'id' });
    const body = payBody.safeParse(req.body ?? {});
    if (!body.success) throw new PaygateError('VALIDATION.INVALID_BODY', 'send {"outcome":"success"} or {"outcome":"fail"}', { field: 'outcome' });
    const text = await playSandboxBuyer(ctx, params.data.id, body.data.outcome);
    return reply.type('application/json').send(text);
  });
}
