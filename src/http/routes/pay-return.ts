/**
 * GET /pay/{payment_id}/return: where redirect providers (PayPal return_url / cancel_url)
 * send the buyer back. Paygate asks the provider first — which captures an approved PayPal
 * order — then hands the buyer to the merchant's return_url (or the status page). The
 * redirect itself proves nothing: merchants read the payment status from the API.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { isTerminal, type PaymentStatus } from '../../domain/payment-state.js';
import { queryAtProvider } from '../../app/settle.js';

export function payReturnRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Params: { id: string }; Querystring: { canceled?: string } }>('/pay/:id/return', async (req, reply) => {
    const id = req.params.id;
    const find = () => ctx.db.selectFrom('payments').select(['id', 'status', 'return_url']).where('id', '=', id).executeTakeFirst();
    const p = /^pay_[0-9a-z]{26}$/.test(id) ? await find() : undefined;
    if (!p) return reply.code(404).type('text/html; charset=utf-8').send('<!doctype html><title>Not found</title><p>Payment not found.</p>');
    // A buyer who canceled at the provider approved nothing: no provider call, the payment stays open until canceled or expired.
    if (req.query.canceled !== 'true' && !isTerminal(p.status as PaymentStatus)) {
      const full = await ctx.db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      await queryAtProvider(ctx, full).catch((err: unknown) => req.log.error({ err, payment_id: id }, 'query on return failed'));
    }
    return reply.code(303).header('cache-control', 'no-store').redirect(p.return_url ?? `${ctx.publicUrl()}/pay/${id}`, 303);
  });
}
