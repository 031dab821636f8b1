import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { createApiKey, createMerchant, getMerchant, listMerchants, revokeApiKey, updateApiKey } from '../../app/merchants.js';
import { createProviderAccount, providerAccountToApi } from '../../app/accounts.js';
import { listProviderAccounts } from '../../app/account-admin.js';
import { apiKeyObject, createdApiKeyObject, createdMerchantObject, merchantList, merchantObject, providerAccountList, providerAccountObject, revokedApiKeyObject } from './objects.js';
import { defineRoute } from '../define.js';
import { apiKeyParams, createApiKeyBody, createMerchantBody, createProviderAccountBody, listQuery, merchantIdParams, updateApiKeyBody } from '../schemas.js';

export function adminRoutes(app: FastifyInstance, ctx: AppContext): void {
  defineRoute(app, ctx, { method: 'POST', url: '/admin/merchants', response: createdMerchantObject, summary: 'Create a merchant and its first secret key', tag: 'Admin', auth: 'admin', body: createMerchantBody, success: 201 },
    async ({ body }) => ({ status: 201, body: await createMerchant(ctx, body) }));
  defineRoute(app, ctx, { method: 'GET', url: '/admin/merchants', response: merchantList, summary: 'List merchants', tag: 'Admin', auth: 'admin', query: listQuery },
    async ({ query }) => ({ body: await listMerchants(ctx, query) }));
  defineRoute(app, ctx, { method: 'GET', url: '/admin/merchants/{id}', response: merchantObject, summary: 'Retrieve a merchant', tag: 'Admin', auth: 'admin', params: merchantIdParams },
    async ({ params }) => {
      const m = await getMerchant(ctx, params.id);
      return { body: { id: m.id, object: 'merchant', name: m.name, created_at: new Date(m.created_at).toISOString() } };
    });
  defineRoute(app, ctx, { method: 'POST', url: '/admin/merchants/{id}/api_keys', response: createdApiKeyObject, summary: 'Create another secret key (old keys stay valid until revoked)', tag: 'Admin', auth: 'admin', params: merchantIdParams, body: createApiKeyBody, success: 201 },
    async ({ params, body }) => ({ status: 201, body: await createApiKey(ctx, params.id, body) }));
  defineRoute(app, ctx, { method: 'PATCH', url: '/admin/merchants/{id}/api_keys/{key_id}', response: apiKeyObject, summary: 'Change a key\'s allowed priority classes and rate limit (null = default)', tag: 'Admin', auth: 'admin', params: apiKeyParams, body: updateApiKeyBody },
    async ({ params, body }) => ({ body: await updateApiKey(ctx, params.id, params.key_id, body) }));
  defineRoute(app, ctx, { method: 'DELETE', url: '/admin/merchants/{id}/api_keys/{key_id}', response: revokedApiKeyObject, summary: 'Revoke a secret key', tag: 'Admin', auth: 'admin', params: apiKeyParams },
    async ({ params }) => ({ body: await revokeApiKey(ctx, params.id, params.key_id) }));
  defineRoute(app, ctx, { method: 'POST', url: '/admin/merchants/{id}/provider_accounts', response: providerAccountObject, summary: 'Add provider credentials (encrypted at rest, never returned)', tag: 'Admin', auth: 'admin', params: merchantIdParams, body: createProviderAccountBody, success: 201 },
    async ({ params, body }) => {
      await getMerchant(ctx, params.id);
      return { status: 201, body: providerAccountToApi(await createProviderAccount(ctx, params.id, body)) };
    });
  defineRoute(app, ctx, { method: 'GET', url: '/admin/merchants/{id}/provider_accounts', response: providerAccountList, summary: 'List a merchant\'s provider accounts (without credentials)', tag: 'Admin', auth: 'admin', params: merchantIdParams },
    async ({ params }) => ({ body: await listProviderAccounts(ctx, params.id) }));
}
