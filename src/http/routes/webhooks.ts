import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { createEndpoint, deleteEndpoint, getEndpoint, getEvent, listEndpoints, listEvents, resendEvent } from '../../app/webhooks.js';
import { deletedObject, eventList, eventObject, webhookEndpointList, webhookEndpointObject } from './objects.js';
import { defineRoute } from '../define.js';
import { createEndpointBody, endpointIdParams, eventIdParams, listEventsQuery, listQuery } from '../schemas.js';

export function webhookRoutes(app: FastifyInstance, ctx: AppContext): void {
  defineRoute(app, ctx, { method: 'POST', url: '/v1/webhook_endpoints', response: webhookEndpointObject, summary: 'Register a webhook endpoint; the answer holds its signing secret (shown once)', tag: 'Webhooks', auth: 'merchant', body: createEndpointBody, success: 201, secretFields: ['secret'] },
    async ({ merchantId, body }) => ({ status: 201, body: await createEndpoint(ctx, merchantId, body) }));
  defineRoute(app, ctx, { method: 'GET', url: '/v1/webhook_endpoints', response: webhookEndpointList, summary: 'List webhook endpoints', tag: 'Webhooks', auth: 'merchant', query: listQuery },
    async ({ merchantId, query }) => ({ body: await listEndpoints(ctx, merchantId, query) }));
  defineRoute(app, ctx, { method: 'GET', url: '/v1/webhook_endpoints/{id}', response: webhookEndpointObject, summary: 'Retrieve a webhook endpoint', tag: 'Webhooks', auth: 'merchant', params: endpointIdParams },
    async ({ merchantId, params }) => ({ body: await getEndpoint(ctx, merchantId, params.id) }));
  defineRoute(app, ctx, { method: 'DELETE', url: '/v1/webhook_endpoints/{id}', response: deletedObject, summary: 'Delete a webhook endpoint', tag: 'Webhooks', auth: 'merchant', params: endpointIdParams },
    async ({ merchantId, params }) => ({ body: await deleteEndpoint(ctx, merchantId, params.id) }));
  defineRoute(app, ctx, { method: 'GET', url: '/v1/events', response: eventList, summary: 'The event log, newest first', tag: 'Events', auth: 'merchant', query: listEventsQuery },
    async ({ merchantId, query }) => ({ body: await listEvents(ctx, merchantId, query) }));
  defineRoute(app, ctx, { method: 'GET', url: '/v1/events/{id}', response: eventObject, summary: 'Retrieve an event', tag: 'Events', auth: 'merchant', params: eventIdParams },
    async ({ merchantId, params }) => ({ body: await getEvent(ctx, merchantId, params.id) }));
  defineRoute(app, ctx, { method: 'POST', url: '/v1/events/{id}/resend', response: eventObject, summary: 'Deliver an event again to every subscribed endpoint (same event id)', tag: 'Events', auth: 'merchant', params: eventIdParams },
    async ({ merchantId, params }) => ({ body: await resendEvent(ctx, merchantId, params.id) }));
}
