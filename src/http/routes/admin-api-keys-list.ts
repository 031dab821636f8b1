/** GET /admin/merchants/{id}/api_keys: the keys a merchant has, never their secrets or hashes. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { listApiKeys } from '../../app/api-key-list.js';
import { PRIORITIES } from '../../app/rate-limit.js';
import { defineRoute } from '../define.js';
import { listQuery, merchantIdParams } from '../schemas.js';

const isoTime = z.string().meta({ format: 'date-time' });

/** The answer's shape, for the OpenAPI document (and the route test checks answers against it). */
export const apiKeySchema = z.strictObject({
  id: z.string().meta({ description: 'key_ id' }),
  object: z.literal('api_key'),
  merchant_id: z.string(),
  mode: z.enum(['test', 'live']).meta({ description: 'test keys reach sandbox provider accounts only, live keys live ones' }),
  prefix: z.string().meta({ description: 'The first 12 characters of the secret (sk_test_…/sk_live_…), to tell keys apart; the secret itself was shown once, when the key was created' }),
  allowed_priorities: z.array(z.enum(PRIORITIES)).nullable().meta({ description: 'null = the default (normal, low)' }),
  rate_limit: z.number().int().nullable().meta({ description: 'Requests per second; null = PAYGATE_RATE_LIMIT_PER_S' }),
  created_at: isoTime,
  revoked: z.boolean(),
  revoked_at: isoTime.nullable(),
});

export const apiKeyListSchema = z.strictObject({ object: z.literal('list'), data: z.array(apiKeySchema), has_more: z.boolean(), url: z.string() });

export function adminApiKeyListRoutes(app: FastifyInstance, ctx: AppContext): void {
  defineRoute(app, ctx, { method: 'GET', url: '/admin/merchants/{id}/api_keys', summary: "List a merchant's API keys, newest first (prefix, mode, created, revoked — never the secret)", tag: 'Admin', auth: 'admin', params: merchantIdParams, query: listQuery, response: apiKeyListSchema },
    async ({ params, query }) => ({ body: await listApiKeys(ctx, params.id, query) }));
}
