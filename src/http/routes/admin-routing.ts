/** Admin API for a merchant's routing rules (which provider accounts take its payments, in which order). */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { getRouting, saveRouting } from '../../app/routing.js';
import { routingObject } from './objects.js';
import { defineRoute } from '../define.js';
import { merchantIdParams, routingBody } from '../schemas.js';

export function adminRoutingRoutes(app: FastifyInstance, ctx: AppContext): void {
  defineRoute(app, ctx, { method: 'PUT', url: '/admin/merchants/{id}/routing', response: routingObject, summary: 'Replace the merchant\'s routing rules (first matching rule decides; ordered or weighted, with fallback)', tag: 'Admin', auth: 'admin', params: merchantIdParams, body: routingBody },
    async ({ params, body }) => ({ body: await saveRouting(ctx, params.id, body.rules) }));
  defineRoute(app, ctx, { method: 'GET', url: '/admin/merchants/{id}/routing', response: routingObject, summary: 'Retrieve the merchant\'s routing rules (empty when none: all accounts of the provider, oldest first)', tag: 'Admin', auth: 'admin', params: merchantIdParams },
    async ({ params }) => ({ body: await getRouting(ctx, params.id) }));
}
