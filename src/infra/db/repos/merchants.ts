/** The merchants and api_keys tables. Keys are stored as hashes only; a revoked key keeps its row. */
import type { DbOrTx } from '../index.js';
import type { ApiKeyRow, MerchantRow } from '../schema.js';

export async function insertMerchant(db: DbOrTx, row: MerchantRow): Promise<void> {
  await db.insertInto('merchants').values(row).execute();
}

export async function merchantById(db: DbOrTx, id: string): Promise<MerchantRow | undefined> {
  return db.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Whether the database has any merchant at all (an empty one gets the demo merchant). */
export async function anyMerchant(db: DbOrTx): Promise<boolean> {
  return (await db.selectFrom('merchants').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** Newest first, one more than `limit` so the caller can tell whether there is a next page. */
export async function listMerchants(db: DbOrTx, page: { startingAfter?: string | undefined; limit: number }): Promise<MerchantRow[]> {
  let q = db.selectFrom('merchants').selectAll();
  if (page.startingAfter) q = q.where('id', '<', page.startingAfter);
  return q.orderBy('id', 'desc').limit(page.limit + 1).execute();
}

export async function insertApiKey(db: DbOrTx, row: ApiKeyRow): Promise<void> {
  await db.insertInto('api_keys').values(row).execute();
}

/** The merchant's key, unless it was revoked. */
export async function activeApiKey(db: DbOrTx, merchantId: string, keyId: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', keyId).where('merchant_id', '=', merchantId).where('revoked_at', 'is', null).executeTakeFirst();
}

/** The key with this hash, revoked or not: what authentication needs to decide. */
export async function apiKeyByHash(db: DbOrTx, keyHash: string) {
  return db.selectFrom('api_keys').select(['id', 'merchant_id', 'mode', 'revoked_at', 'allowed_priorities', 'rate_limit']).where('key_hash', '=', keyHash).executeTakeFirst();
}

export async function updateApiKeySettings(db: DbOrTx, keyId: string, set: Partial<Pick<ApiKeyRow, 'allowed_priorities' | 'rate_limit'>>): Promise<void> {
  await db.updateTable('api_keys').set(set).where('id', '=', keyId).execute();
}

/** Revokes the key if it is still active; true when this call revoked it. */
export async function revokeApiKey(db: DbOrTx, keyId: string, now: number): Promise<boolean> {
  const r = await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', keyId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A merchant's keys, newest first, one more than `limit`. */
export async function listApiKeys(db: DbOrTx, merchantId: string, page: { startingAfter?: string | undefined; limit: number }): Promise<ApiKeyRow[]> {
  let q = db.selectFrom('api_keys').selectAll().where('merchant_id', '=', merchantId);
  if (page.startingAfter) q = q.where('id', '<', page.startingAfter);
  return q.orderBy('id', 'desc').limit(page.limit + 1).execute();
}
