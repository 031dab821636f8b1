/**
 * A merchant's API keys as an operator may see them: which exist, their mode, when made and
 * when revoked, and the first characters to tell them apart in a config file. The secret is
 * shown once, when the key is created; only its hash is stored, and never answered.
 */
import type { AppContext } from './context.js';
import { apiKeyToApi, getMerchant } from './merchants.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function listApiKeys(ctx: AppContext, merchantId: string, q: { limit: number; starting_after?: string | undefined }) {
  await getMerchant(ctx, merchantId);
  let query = ctx.db.selectFrom('api_keys').selectAll().where('merchant_id', '=', merchantId);
  if (q.starting_after) query = query.where('id', '<', q.starting_after);
  const rows = await query.orderBy('id', 'desc').limit(q.limit + 1).execute();
  return {
    object: 'list' as const,
    data: rows.slice(0, q.limit).map((r) => ({ ...apiKeyToApi(r), revoked_at: iso(r.revoked_at) })),
    has_more: rows.length > q.limit,
  };
}
