/**
 * Every stored fact one risk decision reads, in one statement: the limit totals, the link
 * graph's counts and hops to a blocked entity, the customer's behaviour profile — each a
 * scalar subquery of one SELECT. One round trip instead of up to seven: on PostgreSQL each
 * is a trip to the server and back on the create's path (app/risk/assess.ts asks only for
 * what the merchant's rules read).
 */
import { sql, type RawBuilder } from 'kysely';
import type { DbOrTx } from '../index.js';
import { hopsOf, hopsToBlockedExpression, otherNeighboursExpression, type Hops, type RiskEntity } from './risk-graph.js';
import { totalsExpressions, type Totals } from './risk-totals.js';

export interface FactsRequest {
  merchantId: string;
  /** Totals since each start (epoch ms): of the customer (customerId) or of the whole merchant. */
  totals: Array<{ name: string; customerId: string | null; since: number }>;
  /** Distinct neighbours of `kind` linked to `from` since `since`, counting `plus` as linked. */
  counts: Array<{ name: string; from: RiskEntity; kind: 'customer' | 'device'; since: number; plus?: string | undefined }>;
  hops?: { start: RiskEntity[]; now: number } | undefined;
  profile?: { customerId: string; currency: string } | undefined;
}

export interface Facts {
  totals: Record<string, Totals>;
  counts: Record<string, number>;
  /** undefined when not asked; null when nothing blocked is within two links. */
  hops: Hops | null | undefined;
  /** The stored profile JSON, undefined when none (or not asked). */
  profile: string | undefined;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

export async function gatherRiskFacts(db: DbOrTx, req: FactsRequest): Promise<Facts> {
  const columns: Array<[string, RawBuilder<unknown>]> = [];
  req.totals.forEach((t, i) => {
    const [n, sum] = totalsExpressions(req.merchantId, t.customerId, t.since);
    columns.push([`t${i}_n`, n], [`t${i}_sum`, sum]);
  });
  req.counts.forEach((c, i) => columns.push([`c${i}`, otherNeighboursExpression(req.merchantId, c.from, c.kind, c.since, c.plus)]));
  const hops = req.hops ? hopsToBlockedExpression(req.merchantId, req.hops.start, req.hops.now, 2) : null;
  if (hops) columns.push(['hops', hops]);
  if (req.profile) {
    columns.push(['profile', sql`(SELECT profile FROM risk_profiles WHERE merchant_id = ${req.merchantId} AND customer_id = ${req.profile.customerId} AND currency = ${req.profile.currency})`]);
  }
  const facts: Facts = { totals: {}, counts: {}, hops: req.hops ? null : undefined, profile: undefined };
  if (columns.length === 0) return facts;
  const { rows } = await sql<Record<string, unknown>>`SELECT ${sql.join(columns.map(([alias, expr]) => sql`${expr} AS ${sql.ref(alias)}`))}`.execute(db);
  const row = rows[0] ?? {};
  req.totals.forEach((t, i) => { facts.totals[t.name] = { count: num(row[`t${i}_n`]), amount: num(row[`t${i}_sum`]) }; });
  req.counts.forEach((c, i) => { facts.counts[c.name] = num(row[`c${i}`]) + (c.plus !== undefined ? 1 : 0); });
  if (hops) facts.hops = hopsOf(row.hops as number | string | null);
  if (typeof row.profile === 'string') facts.profile = row.profile;
  return facts;
}
