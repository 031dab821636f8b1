/**
 * The `limits.*` facts of a risk decision: how many payments, and how much money, a customer
 * or the whole merchant made since the start of the day or month, before the one being
 * decided. Counted from the payments themselves, so they are exact and need no upkeep; a
 * payment that failed, was canceled or expired took no money and does not count.
 *
 * The merchant's totals read a range of payments_merchant_id (ids begin with their creation
 * time, so `id >= idFloor(since)` is "made since"), the customer's a range of
 * payments_merchant_customer: only rules that name `limits.*` pay for them (app/risk/assess.ts).
 */
import { sql, type RawBuilder } from 'kysely';
import { idFloor } from '../../../domain/ids.js';

export interface Totals { count: number; amount: number }

const NOT_COUNTED = ['failed', 'canceled', 'expired'];

/** A total since `since` (of one customer, or of the merchant with customerId null) as two scalar subqueries (count, sum), for the decision's one statement of facts (repos/risk-facts.ts). */
export function totalsExpressions(merchantId: string, customerId: string | null, since: number): [RawBuilder<number | string>, RawBuilder<number | string | null>] {
  const where = sql`merchant_id = ${merchantId} AND id >= ${idFloor('pay', since)} AND status NOT IN (${sql.join(NOT_COUNTED)})${customerId !== null ? sql` AND customer_id = ${customerId}` : sql``}`;
  return [sql`(SELECT count(*) FROM payments WHERE ${where})`, sql`(SELECT sum(amount) FROM payments WHERE ${where})`];
}
