/**
 * risk_edges: the link graph of risk control. Every payment links all of its entities
 * (customer, device, IP, email, the provider's buyer identity) pairwise, per merchant; the
 * rules ask how many customers a device served lately, and whether a new payment is one or
 * two links away from something blocked.
 *
 * Links are stored in both directions (a→b and b→a). That doubles the rows a payment writes
 * (n·(n−1) for n entities: 20 for five), but every read starts from a known entity, and with
 * both directions "the neighbours of X" is one range of the primary key. Normalised pairs
 * (a < b) would make each neighbour lookup an OR over two columns, i.e. two index scans and
 * a union, on the path every payment takes.
 *
 * Values are whatever the caller passes; pass keyed hashes (as buyer_identifiers does) when
 * the graph must not hold emails or IPs in clear.
 */
import { sql, type RawBuilder } from 'kysely';
import type { DbOrTx } from '../index.js';
import type { RiskEdgeRow, RiskEntityKindColumn } from '../schema.js';

export const RISK_ENTITY_KINDS = ['customer', 'device', 'ip', 'email', 'buyer'] as const satisfies readonly RiskEntityKindColumn[];
export type RiskEntityKind = (typeof RISK_ENTITY_KINDS)[number];
export interface RiskEntity { kind: RiskEntityKind; value: string }

const cmp = (x: RiskEntity, y: RiskEntity): number =>
  x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : x.value < y.value ? -1 : x.value > y.value ? 1 : 0;

/** Distinct entities, sorted (the order rows are written in). */
function distinct(entities: RiskEntity[]): RiskEntity[] {
  for (const e of entities) {
    if (!RISK_ENTITY_KINDS.includes(e.kind)) throw new RangeError(`risk entity kind must be one of ${RISK_ENTITY_KINDS.join(', ')}, got ${String(e.kind)}`);
  }
  return [...entities].sort(cmp).filter((e, i, all) => i === 0 || cmp(all[i - 1]!, e) !== 0);
}

/**
 * Links every pair of the payment's entities (both directions). A link seen before keeps
 * its first_seen and moves last_seen forward — never back, should calls arrive out of order.
 * Answers the number of directed links written.
 */
export async function recordEdges(db: DbOrTx, merchantId: string, entities: RiskEntity[], now: number): Promise<number> {
  const nodes = distinct(entities);
  const rows: RiskEdgeRow[] = [];
  // Sorted by (a, b): concurrent payments sharing links lock the same rows in the same order
  // on PostgreSQL, so two multi-row upserts cannot deadlock on each other.
  for (const a of nodes) {
    for (const b of nodes) {
      if (a !== b) rows.push({ merchant_id: merchantId, a_kind: a.kind, a_value: a.value, b_kind: b.kind, b_value: b.value, first_seen: now, last_seen: now });
    }
  }
  if (rows.length === 0) return 0;
  await db.insertInto('risk_edges').values(rows)
    .onConflict((oc) => oc.columns(['merchant_id', 'a_kind', 'a_value', 'b_kind', 'b_value']).doUpdateSet({
      last_seen: sql<number>`CASE WHEN excluded.last_seen > risk_edges.last_seen THEN excluded.last_seen ELSE risk_edges.last_seen END`,
      first_seen: sql<number>`CASE WHEN excluded.first_seen < risk_edges.first_seen THEN excluded.first_seen ELSE risk_edges.first_seen END`,
    }))
    .execute();
  return rows.length;
}

/**
 * How many distinct entities of `kind` were linked to `from` at or after `since`, e.g. the
 * customers a device paid for in the last 24 h. A range of the risk_edges_recent index,
 * read from the index alone. Links are unique per pair, so counting rows counts distinct values.
 * `plus`: a value of `kind` to count as linked whether or not its link is stored yet (the
 * payment being decided, whose links are written with it, after the decision).
 */
export async function distinctNeighbours(db: DbOrTx, merchantId: string, from: RiskEntity, kind: RiskEntityKind, since: number, plus?: string): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`SELECT ${otherNeighboursExpression(merchantId, from, kind, since, plus)} AS n`.execute(db);
  return Number(rows[0]?.n ?? 0) + (plus !== undefined ? 1 : 0);
}

export type Hops = 0 | 1 | 2;

/**
 * The fewest links from any of `start` (a payment's entities) to any of `targets` (blocked
 * entities): 0 when one is itself a target, 1 when linked to one, 2 through one entity in
 * between, null when none within `maxHops` (≤ 2). One query.
 *
 * Two links are found by meeting in the middle: an entity x linked to a start and to a
 * target is in both neighbour sets, each one range of the primary key from a known end.
 * INTERSECT, not a join, because it is a set operation on both dialects (PostgreSQL hashes
 * both sides, SQLite probes an ephemeral index): the cost is the size of the two sets added,
 * never multiplied. Written as a join, PostgreSQL's planner (which expects a few links per
 * entity) compared every pair in a nested loop: a payment from a carrier-NAT IP with ~700
 * links took 25 ms (p50) at 1,000,000 links; as INTERSECT it takes ~4 ms at 2,500 links
 * (src/bench/risk-graph.ts).
 */
export async function hopsToAny(db: DbOrTx, merchantId: string, start: RiskEntity[], targets: RiskEntity[], maxHops: Hops = 2): Promise<Hops | null> {
  const s = distinct(start);
  const t = distinct(targets);
  if (s.length === 0 || t.length === 0) return null;
  const values = (list: RiskEntity[]) => sql.join(list.map((e) => sql`(${e.kind}, ${e.value})`));
  const { rows } = await sql<{ hops: number | string | null }>`
    WITH s(kind, value) AS (VALUES ${values(s)}), t(kind, value) AS (VALUES ${values(t)})
    SELECT CASE
      WHEN EXISTS (SELECT 1 FROM s JOIN t ON t.kind = s.kind AND t.value = s.value) THEN 0
      WHEN ${maxHops} >= 1 AND EXISTS (
        SELECT e.b_kind, e.b_value FROM s
        JOIN risk_edges e ON e.merchant_id = ${merchantId} AND e.a_kind = s.kind AND e.a_value = s.value
        INTERSECT SELECT kind, value FROM t) THEN 1
      WHEN ${maxHops} >= 2 AND EXISTS (
        SELECT e1.b_kind, e1.b_value FROM s
        JOIN risk_edges e1 ON e1.merchant_id = ${merchantId} AND e1.a_kind = s.kind AND e1.a_value = s.value
        INTERSECT
        SELECT e2.b_kind, e2.b_value FROM t
        JOIN risk_edges e2 ON e2.merchant_id = ${merchantId} AND e2.a_kind = t.kind AND e2.a_value = t.value) THEN 2
    END AS hops`.execute(db);
  const h = rows[0]?.hops;
  return h === null || h === undefined ? null : (Number(h) as Hops);
}

/**
 * hopsToAny with the merchant's block list as the targets, read where it is kept
 * (risk_list_entries: an entity's kind is its list's name) instead of sent as a list: the
 * cost follows the payment's neighbourhood — each start entity's links, and their links —
 * probing the list's unique index, whatever the list's size. Entries past their expires_at
 * (epoch ms, against `now`) do not count; a CIDR entry never equals one address, so only
 * single IPs are targets. A hub (a carrier-NAT IP linked to thousands) costs its links.
 */
export async function hopsToBlocked(db: DbOrTx, merchantId: string, start: RiskEntity[], now: number, maxHops: Hops = 2): Promise<Hops | null> {
  const expr = hopsToBlockedExpression(merchantId, start, now, maxHops);
  if (!expr) return null;
  const { rows } = await sql<{ hops: number | string | null }>`SELECT ${expr} AS hops`.execute(db);
  return hopsOf(rows[0]?.hops);
}

/** A hops value as the database answers it (pg: text for some expressions) → 0 | 1 | 2, or null for none. */
export const hopsOf = (h: number | string | null | undefined): Hops | null => (h === null || h === undefined ? null : (Number(h) as Hops));

/** hopsToBlocked as a scalar subquery, so app/risk can gather it with the decision's other facts in one statement; null without start entities. */
export function hopsToBlockedExpression(merchantId: string, start: RiskEntity[], now: number, maxHops: Hops = 2): RawBuilder<number | string | null> | null {
  const s = distinct(start);
  if (s.length === 0) return null;
  const values = sql.join(s.map((e) => sql`(${e.kind}, ${e.value})`));
  // Every step is driven from the payment's side: CROSS JOIN makes SQLite loop over the few
  // start entities and probe the links' primary key from each (with a plain JOIN it scanned
  // every link of the merchant: 60 ms at 12,000 links), and a correlated EXISTS probes the
  // list's unique index per candidate. PostgreSQL reads CROSS JOIN … WHERE as the same join.
  const isBlocked = (kind: string, value: string) =>
    sql`EXISTS (SELECT 1 FROM risk_list_entries l WHERE l.merchant_id = ${merchantId} AND l.list = ${sql.ref(kind)} AND l.value = ${sql.ref(value)} AND l.action = 'block' AND (l.expires_at IS NULL OR l.expires_at > ${now}))`;
  return sql<number | string | null>`(
    WITH s(kind, value) AS (VALUES ${values}),
    n1(kind, value) AS (SELECT e.b_kind, e.b_value FROM s CROSS JOIN risk_edges e WHERE e.merchant_id = ${merchantId} AND e.a_kind = s.kind AND e.a_value = s.value)
    SELECT CASE
      WHEN EXISTS (SELECT 1 FROM s WHERE ${isBlocked('s.kind', 's.value')}) THEN 0
      WHEN ${maxHops} >= 1 AND EXISTS (SELECT 1 FROM n1 WHERE ${isBlocked('n1.kind', 'n1.value')}) THEN 1
      WHEN ${maxHops} >= 2 AND EXISTS (
        SELECT 1 FROM n1 CROSS JOIN risk_edges e2 WHERE e2.merchant_id = ${merchantId} AND e2.a_kind = n1.kind AND e2.a_value = n1.value
        AND ${isBlocked('e2.b_kind', 'e2.b_value')}) THEN 2
    END)`;
}

/** distinctNeighbours (with `plus`) as a scalar subquery counting the others; add 1 when `plus` is given. */
export function otherNeighboursExpression(merchantId: string, from: RiskEntity, kind: RiskEntityKind, since: number, plus?: string): RawBuilder<number | string> {
  return sql<number | string>`(SELECT count(*) FROM risk_edges WHERE merchant_id = ${merchantId} AND a_kind = ${from.kind} AND a_value = ${from.value}
    AND b_kind = ${kind} AND last_seen >= ${since}${plus !== undefined ? sql` AND b_value <> ${plus}` : sql``})`;
}
