/**
 * GET /admin/provider_accounts/{id}/health: the answering node's view of one provider
 * account — breaker state, recent calls, calls in flight, last error. Each node keeps its
 * own breaker, so behind a load balancer two requests may see different nodes' views;
 * `node` says whose view this is.
 */
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { accountHealth } from '../../app/resilience.js';
import { providerAccountIdentity } from '../../app/account-admin.js';
import { providerAccountHealthObject } from './objects.js';
import { defineRoute } from '../define.js';

const params = z.object({ id: z.string().min(1).max(64) });

export function adminHealthRoutes(app: FastifyInstance, ctx: AppContext): void {
  const node = `${os.hostname()}:${process.pid}`;
  defineRoute(app, ctx, {
    method: 'GET', url: '/admin/provider_accounts/{id}/health', response: providerAccountHealthObject, tag: 'Admin', auth: 'admin', params,
    summary: 'This node\'s view of a provider account: circuit breaker, recent failure rate, calls in flight, last error',
  }, async ({ params: { id } }) => {
    const row = await providerAccountIdentity(ctx, id);
    const health = accountHealth(ctx, { provider: row.provider, accountId: row.id });
    return { body: { object: 'provider_account_health', provider_account_id: row.id, provider: row.provider, node, ...health } };
  });
}
