/**
 * Provider notifications as received (masked) with their verdict, and the buyer-identifier
 * index (keyed hashes) pointing at them and at payments. A notification's raw body is blanked,
 * never its row, when retention or an erase request removes it.
 */
import type { DbOrTx } from '../index.js';
import type { BuyerIdentifierRow, NotificationRow } from '../schema.js';

export async function insertNotification(db: DbOrTx, row: NotificationRow): Promise<void> {
  await db.insertInto('notifications').values(row).execute();
}

/** Whether this provider event id was already heard, and acted on or found a duplicate, for the payment. */
export async function notificationSeen(db: DbOrTx, paymentId: string, notificationId: string): Promise<boolean> {
  const row = await db.selectFrom('notifications').select('id').where('payment_id', '=', paymentId).where('notification_id', '=', notificationId)
    .where('verdict', 'in', ['accepted', 'duplicate']).executeTakeFirst();
  return row !== undefined;
}

/** Up to `limit` notifications received before `cutoff` whose body is still kept. */
export async function keptNotificationsBefore(db: DbOrTx, cutoff: number, limit: number): Promise<string[]> {
  return (await db.selectFrom('notifications').select('id').where('received_at', '<', cutoff).where('purged_at', 'is', null).limit(limit).execute()).map((r) => r.id);
}

export async function notificationIdsOfPayments(db: DbOrTx, paymentIds: readonly string[]): Promise<string[]> {
  return (await db.selectFrom('notifications').select('id').where('payment_id', 'in', paymentIds).execute()).map((r) => r.id);
}

/** Blanks the raw bodies; `onlyKept`: skip bodies already blank (the count is then of bodies removed now). Returns the rows changed. */
export async function blankNotifications(db: DbOrTx, ids: readonly string[], now: number, onlyKept = false): Promise<number> {
  let q = db.updateTable('notifications').set({ raw: '', purged_at: now }).where('id', 'in', ids);
  if (onlyKept) q = q.where('raw', '<>', '');
  return Number((await q.executeTakeFirst()).numUpdatedRows);
}

// ── buyer identifiers ──

export async function insertIdentifiers(db: DbOrTx, rows: readonly BuyerIdentifierRow[]): Promise<void> {
  await db.insertInto('buyer_identifiers').values([...rows]).execute();
}

export async function identifiersByHash(db: DbOrTx, hashes: readonly string[], merchantId?: string): Promise<BuyerIdentifierRow[]> {
  // 'in ()' is not SQL: an empty list matches a hash no identifier has.
  let q = db.selectFrom('buyer_identifiers').selectAll().where('hash', 'in', hashes.length > 0 ? hashes : ['-']);
  if (merchantId) q = q.where('merchant_id', '=', merchantId);
  return q.execute();
}

/** Deletes the entries matching one of: these hashes (of one merchant), these payments, these source rows (`unlinkedOnly`: those that led to no payment). Returns the count. */
export async function deleteIdentifiers(db: DbOrTx, by: { hashes: readonly string[]; merchantId?: string | undefined } | { paymentIds: readonly string[] } | { sourceIds: readonly string[]; unlinkedOnly?: boolean }): Promise<number> {
  let q = db.deleteFrom('buyer_identifiers');
  if ('hashes' in by) {
    q = q.where('hash', 'in', by.hashes);
    if (by.merchantId) q = q.where('merchant_id', '=', by.merchantId);
  } else if ('paymentIds' in by) {
    q = q.where('payment_id', 'in', by.paymentIds);
  } else {
    q = q.where('source_id', 'in', by.sourceIds);
    if (by.unlinkedOnly) q = q.where('payment_id', 'is', null);
  }
  return Number((await q.executeTakeFirst()).numDeletedRows);
}
