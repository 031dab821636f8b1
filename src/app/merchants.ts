/** Merchants and their API keys. Keys are shown once and stored as SHA-256 hashes. */
import crypto from 'node:crypto';
import { PaygateError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import * as repo from '../infra/db/repos/merchants.js';
import type { ApiKeyRow } from '../infra/db/schema.js';
import type { AppContext } from './context.js';
import { PRIORITIES, allowedPriorities, type KeyLimits, type Priority } from './rate-limit.js';

export function hashKey(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

function newSecret(mode: 'test' | 'live'): string {
  return `sk_${mode}_${crypto.randomBytes(24).toString('base64url')}`;
}

export async function createMerchant(ctx: AppContext, input: { name: string }) {
  const now = ctx.now();
  const id = newId('mch', now);
  await repo.insertMerchant(ctx.db, { id, name: input.name, created_at: now });
  const key = await createApiKey(ctx, id);
  return { id, object: 'merchant' as const, name: input.name, secret_key: key.secret_key, api_key_id: key.id, created_at: new Date(now).toISOString() };
}

export async function getMerchant(ctx: AppContext, id: string) {
  const m = await repo.merchantById(ctx.db, id);
  if (!m) throw new PaygateError('MERCHANT.NOT_FOUND', `no merchant ${id}`);
  return m;
}

export async function listMerchants(ctx: AppContext, q: { limit: number; starting_after?: string | undefined }) {
  const rows = await repo.listMerchants(ctx.db, { startingAfter: q.starting_after, limit: q.limit });
  return {
    object: 'list' as const,
    data: rows.slice(0, q.limit).map((m) => ({ id: m.id, object: 'merchant' as const, name: m.name, created_at: new Date(m.created_at).toISOString() })),
    has_more: rows.length > q.limit,
  };
}

/** Whether any merchant exists yet (`paygate start` on an empty database creates a demo one). */
export async function hasMerchants(ctx: AppContext): Promise<boolean> {
  return repo.anyMerchant(ctx.db);
}

export interface ApiKeySettings {
  /** Priority classes the key may send in Paygate-Priority; null = the default (normal, low). */
  allowed_priorities?: Priority[] | null | undefined;
  /** Requests per second; null = PAYGATE_RATE_LIMIT_PER_S. */
  rate_limit?: number | null | undefined;
}

function storedPriorities(list: Priority[] | null): string | null {
  // Canonical order, no duplicates: the stored text is compared and shown back.
  return list === null ? null : PRIORITIES.filter((p) => list.includes(p)).join(',');
}

export function apiKeyToApi(r: ApiKeyRow) {
  return {
    id: r.id, object: 'api_key' as const, merchant_id: r.merchant_id, mode: r.mode, prefix: r.prefix,
    allowed_priorities: r.allowed_priorities === null || r.allowed_priorities === undefined ? null : allowedPriorities(r.allowed_priorities),
    rate_limit: r.rate_limit ?? null,
    created_at: new Date(r.created_at).toISOString(),
    revoked: r.revoked_at !== null,
  };
}

export async function createApiKey(ctx: AppContext, merchantId: string, input: ApiKeySettings & { mode?: 'test' | 'live' | undefined } = {}) {
  await getMerchant(ctx, merchantId);
  const now = ctx.now();
  const mode = input.mode ?? 'test';
  const secret = newSecret(mode);
  const row: ApiKeyRow = {
    id: newId('key', now), merchant_id: merchantId, key_hash: hashKey(secret), prefix: secret.slice(0, 12), mode, created_at: now, revoked_at: null,
    allowed_priorities: storedPriorities(input.allowed_priorities ?? null), rate_limit: input.rate_limit ?? null,
  };
  await repo.insertApiKey(ctx.db, row);
  return { ...apiKeyToApi(row), secret_key: secret };
}

async function activeKey(ctx: AppContext, merchantId: string, keyId: string): Promise<ApiKeyRow> {
  const row = await repo.activeApiKey(ctx.db, merchantId, keyId);
  if (!row) throw new PaygateError('API_KEY.NOT_FOUND', `no active API key ${keyId} for merchant ${merchantId}`);
  return row;
}

/** Changes a key's priority classes and rate limit; every node sees the change at once (cache broadcast). */
export async function updateApiKey(ctx: AppContext, merchantId: string, keyId: string, input: ApiKeySettings) {
  const row = await activeKey(ctx, merchantId, keyId);
  const set: Partial<Pick<ApiKeyRow, 'allowed_priorities' | 'rate_limit'>> = {};
  if (input.allowed_priorities !== undefined) set.allowed_priorities = storedPriorities(input.allowed_priorities);
  if (input.rate_limit !== undefined) set.rate_limit = input.rate_limit;
  if (Object.keys(set).length > 0) {
    await repo.updateApiKeySettings(ctx.db, keyId, set);
    ctx.configCache.invalidate(apiKeyCacheKey(row.key_hash));
  }
  return apiKeyToApi({ ...row, ...set });
}

export async function revokeApiKey(ctx: AppContext, merchantId: string, keyId: string) {
  const row = await activeKey(ctx, merchantId, keyId);
  if (!(await repo.revokeApiKey(ctx.db, keyId, ctx.now()))) throw new PaygateError('API_KEY.NOT_FOUND', `no active API key ${keyId} for merchant ${merchantId}`);
  ctx.configCache.invalidate(apiKeyCacheKey(row.key_hash));
  return { id: keyId, object: 'api_key' as const, revoked: true };
}

/** What a request needs to know about the key it was made with; cached, so most requests skip the database. */
export interface AuthenticatedKey extends KeyLimits {
  merchant_id: string;
  /** test keys only reach sandbox provider accounts, live keys only live ones (app/modes.ts). */
  mode: KeyMode;
}

export type KeyMode = 'test' | 'live';

function apiKeyCacheKey(keyHash: string): string {
  return `apikey:${keyHash}`;
}

/** Resolves a secret key, or throws AUTH.*. */
export async function authenticate(ctx: AppContext, secret: string): Promise<AuthenticatedKey> {
  if (!/^sk_(test|live)_[A-Za-z0-9_-]{16,64}$/.test(secret)) throw new PaygateError('AUTH.INVALID_KEY');
  // Lookup by hash of a 192-bit random secret: equality on the digest leaks nothing useful.
  const hash = hashKey(secret);
  const key = await ctx.configCache.get(apiKeyCacheKey(hash), async (): Promise<AuthenticatedKey | undefined> => {
    const row = await repo.apiKeyByHash(ctx.db, hash);
    // Unknown and revoked keys are not cached: a revoked key stays refused, a new key works at once.
    if (!row || row.revoked_at !== null) return undefined;
    return { merchant_id: row.merchant_id, key_id: row.id, mode: row.mode === 'live' ? 'live' : 'test', allowed_priorities: row.allowed_priorities ?? null, rate_limit: row.rate_limit ?? null };
  });
  if (!key) throw new PaygateError('AUTH.INVALID_KEY');
  return key;
}
