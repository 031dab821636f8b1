/** The idempotency_keys table: one row per (merchant, Idempotency-Key), the stored answer once done. */
import { sql } from 'kysely';
import type { DbOrTx } from '../index.js';
import type { IdempotencyKeyRow } from '../schema.js';

/** Claims the key; throws the unique violation when it is taken (the caller reads the row then). */
export async function insertKey(db: DbOrTx, row: IdempotencyKeyRow): Promise<void> {
  await db.insertInto('idempotency_keys').values(row).execute();
}

export async function keyRow(db: DbOrTx, merchantId: string, key: string): Promise<IdempotencyKeyRow | undefined> {
  return db.selectFrom('idempotency_keys').selectAll().where('merchant_id', '=', merchantId).where('idem_key', '=', key).executeTakeFirst();
}

/** Deletes the key; with `expiredBefore`, only if it expired before then. */
export async function deleteKey(db: DbOrTx, merchantId: string, key: string, expiredBefore?: number): Promise<void> {
  let q = db.deleteFrom('idempotency_keys').where('merchant_id', '=', merchantId).where('idem_key', '=', key);
  if (expiredBefore !== undefined) q = q.where('expires_at', '<', expiredBefore);
  await q.execute();
}

/** Takes over a stale in-progress key: true when this call moved its start from `startedAt` to `now` (nobody else did first). */
export async function restartKey(db: DbOrTx, merchantId: string, key: string, startedAt: number, now: number): Promise<boolean> {
  const r = await db.updateTable('idempotency_keys').set({ created_at: now }).where('merchant_id', '=', merchantId).where('idem_key', '=', key).where('created_at', '=', startedAt).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function storeAnswer(db: DbOrTx, merchantId: string, key: string, status: number, body: string): Promise<void> {
  await db.updateTable('idempotency_keys').set({ status: 'done', response_status: status, response_body: body }).where('merchant_id', '=', merchantId).where('idem_key', '=', key).execute();
}

/** Deletes keys expired, or created before `createdBefore`; returns how many. */
export async function purgeKeys(db: DbOrTx, now: number, createdBefore: number): Promise<number> {
  const r = await db.deleteFrom('idempotency_keys').where((eb) => eb.or([eb('expires_at', '<', now), eb('created_at', '<', createdBefore)])).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Deletes every stored answer that names this id (a quoted JSON string in the body); returns how many. */
export async function deleteAnswersNaming(db: DbOrTx, id: string): Promise<number> {
  const r = await db.deleteFrom('idempotency_keys').where(sql<boolean>`response_body like ${`%"${id.replace(/_/g, '\\_')}"%`} escape '\\'`).executeTakeFirst();
  return Number(r.numDeletedRows);
}
