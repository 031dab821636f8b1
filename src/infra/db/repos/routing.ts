/**
 * Per-merchant routing rules (one JSON document, parsed here with zod) and each account's
 * daily usage (the amount and count reserved against its daily limit, per UTC day).
 */
import { z } from 'zod';
import type { RoutingRule } from '../../../domain/routing.js';
import type { DbOrTx } from '../index.js';
import { jsonColumn } from './columns.js';

// Loose objects: a document saved by a newer node keeps fields this one does not name.
const routingRule = z.looseObject({
  method: z.string(),
  strategy: z.enum(['ordered', 'weighted']),
  accounts: z.array(z.looseObject({ provider_account_id: z.string(), weight: z.number().optional() })),
  conditions: z.looseObject({
    currencies: z.array(z.string()).optional(),
    min_amount: z.number().optional(),
    max_amount: z.number().optional(),
    payer_countries: z.array(z.string()).optional(),
  }).optional(),
}) satisfies z.ZodType<RoutingRule>;
const rulesColumn = jsonColumn('routing_rules.rules', z.array(routingRule));

/** The merchant's rules and when they were saved; undefined when it never saved any. */
export async function routingRulesOf(db: DbOrTx, merchantId: string): Promise<{ rules: RoutingRule[]; updatedAt: number } | undefined> {
  const row = await db.selectFrom('routing_rules').selectAll().where('merchant_id', '=', merchantId).executeTakeFirst();
  return row ? { rules: rulesColumn(row.rules), updatedAt: row.updated_at } : undefined;
}

/** Replaces the merchant's rules (validated by the caller). */
export async function saveRoutingRules(db: DbOrTx, merchantId: string, rules: readonly RoutingRule[], now: number): Promise<void> {
  const text = JSON.stringify(rules);
  await db.insertInto('routing_rules').values({ merchant_id: merchantId, rules: text, updated_at: now })
    .onConflict((oc) => oc.column('merchant_id').doUpdateSet({ rules: text, updated_at: now }))
    .execute();
}

/** Adds `amount` (and one payment) to the account's usage of `day` if that stays within `limit`; true when reserved. */
export async function reserveUsage(db: DbOrTx, accountId: string, day: string, limit: number, amount: number): Promise<boolean> {
  await db.insertInto('account_daily_usage').values({ provider_account_id: accountId, day, amount: 0, count: 0 })
    .onConflict((oc) => oc.columns(['provider_account_id', 'day']).doNothing()).execute();
  const r = await db.updateTable('account_daily_usage')
    .set((eb) => ({ amount: eb('amount', '+', amount), count: eb('count', '+', 1) }))
    .where('provider_account_id', '=', accountId).where('day', '=', day)
    .where((eb) => eb(eb('amount', '+', amount), '<=', limit))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Gives a reservation of `day` back; never below zero. */
export async function releaseUsage(db: DbOrTx, accountId: string, day: string, amount: number): Promise<void> {
  await db.updateTable('account_daily_usage')
    .set((eb) => ({ amount: eb('amount', '-', amount), count: eb('count', '-', 1) }))
    .where('provider_account_id', '=', accountId).where('day', '=', day)
    .where('amount', '>=', amount).where('count', '>=', 1)
    .execute();
}
