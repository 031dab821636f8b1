// Sandbox controls for what happens outside the merchant's API calls: the merchant refunding
// in the PayPal dashboard, the buyer opening a dispute, the case moving and PayPal deciding
// it, a chargeback reversing the capture. Unauthenticated like /_payer (a sandbox has no
// dashboard login); each sends the webhook PayPal would send, signed like every other.
//
//   POST /_dashboard/captures/{id}/refund    {amount?: {currency_code, value}, note_to_payer?}   → PAYMENT.CAPTURE.REFUNDED
//   POST /_dashboard/captures/{id}/reverse   {amount?, reason?: "CHARGEBACK" …}                  → PAYMENT.CAPTURE.REVERSED
//   POST /_dashboard/captures/{id}/disputes  {amount?, reason?, channel?: "inquiry"|"chargeback"} → CUSTOMER.DISPUTE.CREATED
//   POST /_dashboard/disputes/{id}           {status: WAITING_FOR_SELLER_RESPONSE | UNDER_REVIEW …} → CUSTOMER.DISPUTE.UPDATED
//   POST /_dashboard/disputes/{id}/resolve   {outcome: RESOLVED_SELLER_FAVOUR | RESOLVED_BUYER_FAVOUR …} → CUSTOMER.DISPUTE.RESOLVED
//   GET  /_dashboard/disputes/{id}           the dispute as the Disputes API shows it
// `{id}` of a capture may also be an order id (its capture is used): tests know the order from the approve link.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SimContext } from './context.js';
import { answer, moveDispute, openDispute, refundCapture, resolveDispute, reverseCapture } from './money-back.js';
import { disputeView } from './resources.js';

type Answer = { status: number; body: unknown };

function error(status: number, name: string, message: string, issue: string): Answer {
  return { status, body: { name, message, details: [{ issue, description: message }] } };
}

/** A capture id, or an order id standing for its (single) capture. */
function captureIdOf(sim: SimContext, id: string): string {
  if (sim.store.getCapture(id)) return id;
  return sim.store.capturesOf(id)[0]?.id ?? id;
}

export function registerDashboard(app: FastifyInstance, sim: SimContext): void {
  const send = (reply: FastifyReply, a: Answer) => reply.code(a.status).type('application/json').send(JSON.stringify(a.body));
  type Params = { Params: { id: string } };
  const limits = { bodyLimit: 16 * 1024 };

  app.post<Params>('/_dashboard/captures/:id/refund', limits, async (req, reply) =>
    send(reply, answer(sim, () => refundCapture(sim, undefined, captureIdOf(sim, req.params.id), req.body), error)));
  app.post<Params>('/_dashboard/captures/:id/reverse', limits, async (req, reply) =>
    send(reply, answer(sim, () => reverseCapture(sim, captureIdOf(sim, req.params.id), req.body), error)));
  app.post<Params>('/_dashboard/captures/:id/disputes', limits, async (req, reply) =>
    send(reply, answer(sim, () => openDispute(sim, captureIdOf(sim, req.params.id), req.body), error)));
  app.post<Params>('/_dashboard/disputes/:id', limits, async (req, reply) =>
    send(reply, answer(sim, () => moveDispute(sim, req.params.id, req.body), error)));
  app.post<Params>('/_dashboard/disputes/:id/resolve', limits, async (req, reply) =>
    send(reply, answer(sim, () => resolveDispute(sim, req.params.id, req.body), error)));
  app.get<Params>('/_dashboard/disputes/:id', async (req, reply) => {
    const d = sim.store.getDispute(req.params.id);
    return d ? send(reply, { status: 200, body: disputeView(sim, d) }) : send(reply, error(404, 'RESOURCE_NOT_FOUND', 'no such dispute', 'INVALID_RESOURCE_ID'));
  });
}
