/**
 * A merchant's API keys as an operator may see them: which exist, their mode, when made and
 * when revoked, and the first characters to tell them apart in a config file. The secret is
 * shown once, when the key is created; only its hash is stored, and never answered.
 */
import { listApiKeys as pageOfApiKeys } from '../infra/db/repos/merchants.js';
import type { AppContext } from './context.js';
import { apiKeyToApi, getMerchant } from './merchants.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function listApiKeys(ctx: AppContext, merchantId: string, q: { limit: number; starting_after?: string | undefined }) {
  await getMerchant(ctx, merchantId);
  const rows = await pageOfApiKeys(ctx.db, merchantId, { startingAfter: q.starting_after, limit: q.limit });
  return {
    object: 'list' as const,
    data: rows.slice(0, q.limit).map((r) => ({ ...apiKeyToApi(r), revoked_at: iso(r.revoked_at) })),
    has_more: rows.length > q.limit,
  };
}
