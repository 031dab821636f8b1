/**
 * The hosted cashier: GET /pay/{id} (the page), /pay/{id}/events (live status, SSE),
 * /pay/{id}/status (JSON, the polling fallback) and the page's hashed assets. The pieces
 * live in ../cashier/; this file only wires them. It reveals only what the buyer needs:
 * merchant name, description, amount, status and the provider's QR / approval link.
 * Every route here, /status polls included, is admitted by http/admission.ts first: per
 * client address (PAYGATE_CASHIER_RATE_PER_IP), and streams per payment and per node.
 * The page of an open payment also sets the cashier's device cookie and hands the buyer's
 * address and device to risk control (app/risk/cashier-visitor.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { assetRoutes, sendMaybeGzip } from '../cashier/assets.js';
import { pickLang } from '../cashier/i18n.js';
import { renderCashier, renderNotFound, securityHeaders } from '../cashier/page.js';
import { sseRoutes } from '../cashier/sse.js';
import { loadBuyerView } from '../../app/cashier.js';
import { noteCashierVisitor } from '../../app/risk/cashier-visitor.js';
import { ensureDeviceId } from '../cashier/device.js';
import { isOpen, statusMessage } from '../cashier/view.js';

export function payPageRoutes(app: FastifyInstance, ctx: AppContext): void {
  assetRoutes(app);
  sseRoutes(app, ctx);

  app.get<{ Params: { id: string } }>('/pay/:id/status', async (req, reply) => {
    const p = await loadBuyerView(ctx, req.params.id);
    reply.header('cache-control', 'no-store');
    if (!p) return reply.code(404).send({ error: { code: 'PAYMENT.NOT_FOUND', message: 'no such payment', request_id: req.id } });
    return statusMessage(p.status, p.returnUrl, p.declined);
  });

  app.get<{ Params: { id: string }; Querystring: { lang?: string } }>('/pay/:id', async (req, reply) => {
    const lang = pickLang(typeof req.query.lang === 'string' ? req.query.lang : undefined, req.headers['accept-language']);
    securityHeaders(reply).type('text/html; charset=utf-8').header('content-language', lang).header('vary', 'accept-language');
    const p = await loadBuyerView(ctx, req.params.id, { awaitAction: true });
    if (!p) return sendMaybeGzip(req, reply.code(404), Buffer.from(renderNotFound(lang), 'utf8'));
    if (isOpen(p.status)) {
      const deviceId = ensureDeviceId(req, reply);
      // Risk inputs are a bonus: a failure here is logged and the buyer still gets the page.
      try {
        await noteCashierVisitor(ctx, p.id, { ip: req.ip, deviceId });
      } catch (err) {
        ctx.log.warn({ err, payment_id: p.id }, 'cashier could not record the visitor for risk control');
      }
    }
    return sendMaybeGzip(req, reply, Buffer.from(await renderCashier(p, lang, ctx.now()), 'utf8'));
  });
}
