/**
 * Sandbox conveniences on the gateway:
 * - GET /sandbox (mounted with the simulators): the index of every simulator, its fault
 *   switch, the wallet pages of the sandbox payments waiting for a buyer, the webhook inbox.
 * - POST /admin/sandbox/payments/{id}/pay (always, admin token): plays the buyer of a sandbox
 *   payment at the simulator its account points at — the account's own base_url, so it works
 *   for mounted and standalone simulators alike and the CLI needs only the gateway's URL.
 *   Live accounts are refused: this never reaches a real provider.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { PaygateError } from '../../domain/errors.js';
import { pickLang } from '../cashier/i18n.js';
import { renderSandboxIndex, type OpenSandboxPayment } from './sandbox-index-page.js';
import { checkAdminToken } from '../admin-auth.js';

/** The page a buyer opens for this attempt: the QR wallet page or the checkout (WeChat's weixin:// code maps to the simulator's /pay/{token}). */
export function walletUrl(a: { qr_code: string | null; redirect_url: string | null; base_url: string }): string | null {
  if (a.qr_code && /^https?:\/\//.test(a.qr_code)) return a.qr_code;
  const wx = a.qr_code ? /^weixin:\/\/wxpay\/bizpayurl\?pr=([\w-]+)$/.exec(a.qr_code) : null;
  if (wx) return `${a.base_url}/pay/${wx[1]}`;
  return a.redirect_url && /^https?:\/\//.test(a.redirect_url) ? a.redirect_url : null;
}

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

async function openSandboxPayments(ctx: AppContext): Promise<OpenSandboxPayment[]> {
  const rows = await ctx.db.selectFrom('attempts')
    .innerJoin('payments', 'payments.id', 'attempts.payment_id')
    .innerJoin('provider_accounts', 'provider_accounts.id', 'attempts.provider_account_id')
    .select(['payments.id', 'payments.amount', 'payments.currency', 'provider_accounts.provider', 'provider_accounts.base_url', 'attempts.qr_code', 'attempts.redirect_url', 'attempts.id as attempt_id'])
    .where('provider_accounts.mode', '=', 'sandbox').where('payments.status', '=', 'requires_action')
    .orderBy('attempts.id', 'desc').limit(50).execute();
  const seen = new Set<string>();
  const out: OpenSandboxPayment[] = [];
  for (const r of rows) {
    // Only the latest attempt of a payment is the one a buyer can still pay.
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    out.push({ id: r.id, provider: r.provider, amount: r.amount, currency: r.currency, walletUrl: walletUrl(r) });
  }
  return out.slice(0, 20);
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
    const row = await ctx.db.selectFrom('attempts').innerJoin('provider_accounts', 'provider_accounts.id', 'attempts.provider_account_id')
      .select(['attempts.qr_code', 'attempts.redirect_url', 'attempts.provider_reference', 'provider_accounts.base_url', 'provider_accounts.mode', 'provider_accounts.provider'])
      .where('attempts.payment_id', '=', params.data.id).orderBy('attempts.id', 'desc').executeTakeFirst();
    if (!row) throw new PaygateError('PAYMENT.NOT_FOUND', `no payment ${params.data.id} (or it has no attempt at a provider yet)`, { field: 'id' });
    if (row.mode !== 'sandbox') throw new PaygateError('PAYMENT.STATE_FORBIDS_ACTION', `payment ${params.data.id} is on a live ${row.provider} account; only sandbox payments can be paid here`);
    let res: Response;
    try {
      res = await fetch(`${row.base_url}/_payer/pay`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        // The QR content or approval URL is what a buyer has in hand; every simulator accepts it.
        body: JSON.stringify({ reference: row.qr_code ?? row.redirect_url ?? row.provider_reference, outcome: body.data.outcome }),
        signal: AbortSignal.timeout(ctx.config.PAYGATE_PROVIDER_TIMEOUT_MS),
      });
    } catch (err) {
      throw new PaygateError('CONNECTOR.UNAVAILABLE', `the ${row.provider} simulator at ${row.base_url} did not answer (${(err as Error).name}); is it running?`, { cause: err });
    }
    const text = await res.text();
    if (!res.ok) throw new PaygateError('CONNECTOR.REJECTED', `the ${row.provider} simulator answered ${res.status}: ${text.slice(0, 500)}`);
    return reply.type('application/json').send(text);
  });
}
