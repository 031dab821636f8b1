/** Merchants and their API keys. Keys are shown once and stored as SHA-256 hashes. */
import crypto from 'node:crypto';
import { PaygateError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { AppContext } from './context.js';

export function hashKey(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

function newSecret(mode: 'test' | 'live'): string {
  return `sk_${mode}_${crypto.randomBytes(24).toString('base64url')}`;
}

export async function createMerchant(ctx: AppContext, input: { name: string }) {
  const now = ctx.now();
  const id = newId('mch', now);
  await ctx.db.insertInto('merchants').values({ id, name: input.name, created_at: now }).execute();
  const key = await createApiKey(ctx, id);
  return { id, object: 'merchant' as const, name: input.name, secret_key: key.secret_key, api_key_id: key.id, created_at: new Date(now).toISOString() };
}

export async function getMerchant(ctx: AppContext, id: string) {
  const m = await ctx.db.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst();
  if (!m) throw new PaygateError('MERCHANT.NOT_FOUND', `no merchant ${id}`);
  return m;
}

export async function listMerchants(ctx: AppContext, q: { limit: number; starting_after?: string | undefined }) {
  let query = ctx.db.selectFrom('merchants').selectAll();
  if (q.starting_after) query = query.where('id', '<', q.starting_after);
  const rows = await query.orderBy('id', 'desc').limit(q.limit + 1).execute();
  return {
    object: 'list' as const,
    data: rows.slice(0, q.limit).map((m) => ({ id: m.id, object: 'merchant' as const, name: m.name, created_at: new Date(m.created_at).toISOString() })),
    has_more: rows.length > q.limit,
  };
}

export async function createApiKey(ctx: AppContext, merchantId: string, mode: 'test' | 'live' = 'test') {
  await getMerchant(ctx, merchantId);
  const now = ctx.now();
  const secret = newSecret(mode);
  const id = newId('key', now);
  await ctx.db.insertInto('api_keys').values({ id, merchant_id: merchantId, key_hash: hashKey(secret), prefix: secret.slice(0, 12), mode, created_at: now, revoked_at: null }).execute();
  return { id, object: 'api_key' as const, merchant_id: merchantId, mode, secret_key: secret, created_at: new Date(now).toISOString() };
}

export async function revokeApiKey(ctx: AppContext, merchantId: string, keyId: string) {
  const res = await ctx.db.updateTable('api_keys').set({ revoked_at: ctx.now() }).where('id', '=', keyId).where('merchant_id', '=', merchantId).where('revoked_at', 'is', null).executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw new PaygateError('API_KEY.NOT_FOUND', `no active API key ${keyId} for merchant ${merchantId}`);
  return { id: keyId, object: 'api_key' as const, revoked: true };
}

/** Returns the merchant id for a secret key, or throws AUTH.*. */
export async function authenticate(ctx: AppContext, secret: string): Promise<string> {
  if (!/^sk_(test|live)_[A-Za-z0-9_-]{16,64}$/.test(secret)) throw new PaygateError('AUTH.INVALID_KEY');
  // Lookup by hash of a 192-bit random secret: equality on the digest leaks nothing useful.
  const row = await ctx.db.selectFrom('api_keys').select(['merchant_id', 'revoked_at']).where('key_hash', '=', hashKey(secret)).executeTakeFirst();
  if (!row || row.revoked_at !== null) throw new PaygateError('AUTH.INVALID_KEY');
  return row.merchant_id;
}
