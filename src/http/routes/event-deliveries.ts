/**
 * GET /v1/events/{id}/deliveries: where an event went and how each delivery is doing, so a
 * merchant can see why an endpoint heard nothing without asking the operator for logs.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { listDeliveries } from '../../app/webhooks.js';
import { defineRoute } from '../define.js';
import { eventIdParams, listQuery } from '../schemas.js';

const isoTime = z.string().meta({ format: 'date-time' });

/** The answer's shape, for the OpenAPI document (and the route test checks answers against it). */
export const webhookDeliverySchema = z.object({
  id: z.string().meta({ description: 'whd_ id' }),
  object: z.literal('webhook_delivery'),
  event_id: z.string(),
  endpoint_id: z.string(),
  url: z.string().nullable().meta({ description: "The endpoint's URL; null if the endpoint row is gone" }),
  status: z.enum(['pending', 'succeeded', 'failed', 'canceled']).meta({ description: 'pending: retrying; failed: the schedule ran out (resend starts it again); canceled: the endpoint was deleted' }),
  attempts: z.number().int().meta({ description: 'POSTs made so far, resends included' }),
  last_status_code: z.number().int().nullable().meta({ description: "HTTP status of the last attempt; null when it got no answer (timeout, refused connection)" }),
  last_error: z.string().nullable().meta({ description: 'Why the last attempt failed; null after a 2xx' }),
  next_attempt_at: isoTime.nullable().meta({ description: 'When the next try is due; null once succeeded, failed or canceled' }),
  delivered_at: isoTime.nullable(),
  created_at: isoTime,
  updated_at: isoTime,
});

export const webhookDeliveryListSchema = z.object({ object: z.literal('list'), data: z.array(webhookDeliverySchema), has_more: z.boolean(), url: z.string() });

export function eventDeliveryRoutes(app: FastifyInstance, ctx: AppContext): void {
  defineRoute(app, ctx, { method: 'GET', url: '/v1/events/{id}/deliveries', summary: "An event's deliveries: one per endpoint, with attempts, the last outcome and the next try", tag: 'Events', auth: 'merchant', params: eventIdParams, query: listQuery, response: webhookDeliveryListSchema },
    async ({ merchantId, params, query }) => ({ body: await listDeliveries(ctx, merchantId, params.id, query) }));
}
