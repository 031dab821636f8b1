/** The operator's reads of provider accounts (admin API): a merchant's list, one account for its health view. */
import { PaygateError } from '../domain/errors.js';
import { accountById, accountsOfMerchant } from '../infra/db/repos/provider-accounts.js';
import type { AppContext } from './context.js';
import { providerAccountToApi } from './accounts.js';
import { getMerchant } from './merchants.js';

/** Every account of the merchant, newest first, without credentials; an unknown merchant is MERCHANT.NOT_FOUND. */
export async function listProviderAccounts(ctx: AppContext, merchantId: string) {
  await getMerchant(ctx, merchantId);
  const rows = await accountsOfMerchant(ctx.db, merchantId);
  return { object: 'list' as const, data: rows.map(providerAccountToApi), has_more: false };
}

/** The account's id and provider (all the health view needs); PROVIDER_ACCOUNT.NOT_FOUND when there is none. */
export async function providerAccountIdentity(ctx: AppContext, id: string): Promise<{ id: string; provider: string }> {
  const row = await accountById(ctx.db, id);
  if (!row) throw new PaygateError('PROVIDER_ACCOUNT.NOT_FOUND', `no provider account ${id}`);
  return { id: row.id, provider: row.provider };
}
