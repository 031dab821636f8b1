/**
 * The provider_accounts table: a merchant's credentials for one provider (sealed; opened
 * only by app/accounts.ts) with the account's mode, base URL and daily limit.
 */
import type { DbOrTx } from '../index.js';
import type { ProviderAccountRow } from '../schema.js';

export type AccountMode = 'sandbox' | 'live';

export async function accountById(db: DbOrTx, id: string): Promise<ProviderAccountRow | undefined> {
  return db.selectFrom('provider_accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A merchant's accounts, newest first. */
export async function accountsOfMerchant(db: DbOrTx, merchantId: string): Promise<ProviderAccountRow[]> {
  return db.selectFrom('provider_accounts').selectAll().where('merchant_id', '=', merchantId).orderBy('id', 'desc').execute();
}

/** Who owns these accounts, and for which provider and mode (routing rules name accounts by id). */
export async function accountsByIds(db: DbOrTx, ids: readonly string[]): Promise<Array<Pick<ProviderAccountRow, 'id' | 'merchant_id' | 'provider' | 'mode'>>> {
  if (ids.length === 0) return [];
  return db.selectFrom('provider_accounts').select(['id', 'merchant_id', 'provider', 'mode']).where('id', 'in', ids).execute();
}

/** The merchant's accounts of one provider and mode, oldest first (the default routing order). */
export async function accountIdsFor(db: DbOrTx, merchantId: string, provider: string, mode: AccountMode): Promise<string[]> {
  const rows = await db.selectFrom('provider_accounts').select('id').where('merchant_id', '=', merchantId).where('provider', '=', provider).where('mode', '=', mode)
    .orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => r.id);
}

/** Every account of these providers, keyset-paged by id (the daily reconciliation sweep). */
export async function accountsOfProviders(db: DbOrTx, providers: readonly string[], afterId: string, limit: number): Promise<Array<Pick<ProviderAccountRow, 'id' | 'provider'>>> {
  if (providers.length === 0) return [];
  return db.selectFrom('provider_accounts').select(['id', 'provider']).where('provider', 'in', providers).where('id', '>', afterId).orderBy('id').limit(limit).execute();
}

export async function insertAccount(db: DbOrTx, row: ProviderAccountRow): Promise<void> {
  await db.insertInto('provider_accounts').values(row).execute();
}
