/**
 * GET /pay/{payment_id}/return: where redirect providers (PayPal return_url / cancel_url,
 * Stripe success_url / cancel_url) send the buyer back. Paygate asks the provider first —
 * which captures an approved PayPal order — coalesced and rate limited per payment
 * (app/buyer-query.ts), then hands the buyer to the merchant's return_url if it is still
 * safe to follow, else to the status page. The redirect itself proves nothing: merchants
 * read the payment status from the API.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { buyerReturnTarget } from '../../app/buyer-query.js';

export function payReturnRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Params: { id: string }; Querystring: { canceled?: string } }>('/pay/:id/return', async (req, reply) => {
    // A buyer who canceled at the provider approved nothing: no provider call, the payment stays open until canceled or expired.
    const location = await buyerReturnTarget(ctx, req.params.id, req.query.canceled === 'true');
    if (!location) return reply.code(404).type('text/html; charset=utf-8').send('<!doctype html><title>Not found</title><p>Payment not found.</p>');
    return reply.code(303).header('cache-control', 'no-store').redirect(location, 303);
  });
}
