/**
 * risk_profiles: each customer's behaviour profile (domain/risk/profile.ts) per merchant and
 * currency, read by the decision and updated when one of their payments succeeds.
 */
import { z } from 'zod';
import { emptyProfile, updateProfile, type BehaviourProfile, type ProfilePayment } from '../../../domain/risk/index.js';
import type { DbOrTx, Tx } from '../index.js';
import { jsonColumn } from './columns.js';

export const parseProfile = jsonColumn('risk_profiles.profile', z.object({
  currency: z.string(), payments: z.number().int(), amount_total: z.number().int(), amount_m2: z.number(),
  hours: z.array(z.number().int()).length(24), methods: z.record(z.string(), z.number().int()),
}));

export async function profileOf(db: DbOrTx, merchantId: string, customerId: string, currency: string): Promise<BehaviourProfile | undefined> {
  const row = await db.selectFrom('risk_profiles').select('profile')
    .where('merchant_id', '=', merchantId).where('customer_id', '=', customerId).where('currency', '=', currency).executeTakeFirst();
  return row ? parseProfile(row.profile) : undefined;
}

/**
 * Adds one successful payment to the customer's profile, in the caller's transaction (the
 * payment's success). The row is created first if missing (a no-op when it exists, so two
 * first successes at once cannot fail on the key), then read under its lock and written back:
 * concurrent successes of one customer are applied one after the other, none is lost.
 */
export async function addToProfile(trx: Tx, rowLocks: boolean, merchantId: string, customerId: string, pay: ProfilePayment, now: number): Promise<void> {
  const key = { merchant_id: merchantId, customer_id: customerId, currency: pay.currency };
  await trx.insertInto('risk_profiles').values({ ...key, profile: JSON.stringify(emptyProfile(pay.currency)), updated_at: now })
    .onConflict((oc) => oc.columns(['merchant_id', 'customer_id', 'currency']).doNothing()).execute();
  const q = trx.selectFrom('risk_profiles').select('profile').where('merchant_id', '=', merchantId).where('customer_id', '=', customerId).where('currency', '=', pay.currency);
  const row = await (rowLocks ? q.forUpdate() : q).executeTakeFirstOrThrow();
  const next = updateProfile(parseProfile(row.profile), pay);
  await trx.updateTable('risk_profiles').set({ profile: JSON.stringify(next), updated_at: now })
    .where('merchant_id', '=', merchantId).where('customer_id', '=', customerId).where('currency', '=', pay.currency).execute();
}
