/**
 * risk_list_entries and risk_rule_sets: a merchant's risk lists (one row per list and
 * normalised value, upserted) and its rule sets (append-only versions, the highest in force).
 * Callers validate before they write; what is read back is checked again here, so a row a
 * newer node wrote in a shape this one does not know fails loudly instead of deciding payments.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import { LIST_NAMES, type ListAction, type ListName, type RiskRule } from '../../../domain/risk/index.js';
import type { DbOrTx } from '../index.js';
import type { RiskListEntryRow, RiskRuleSetRow } from '../schema.js';
import { jsonColumn, statusColumn } from './columns.js';

export interface StoredListEntry {
  id: string; merchant_id: string; list: ListName; action: ListAction; value: string;
  expires_at: number | null; created_at: number; updated_at: number;
}

export interface StoredRuleSet { merchant_id: string; version: number; rules: RiskRule[]; created_at: number; created_by: string | null }

const listColumn = statusColumn('risk_list_entries.list', LIST_NAMES);
const actionColumn = statusColumn('risk_list_entries.action', ['allow', 'review', 'block']);
// Loose: a set saved by a newer node keeps fields this one does not name; compileRules decides what it accepts.
const rulesColumn = jsonColumn('risk_rule_sets.rules', z.array(z.looseObject({
  name: z.string(), when: z.string(), action: z.enum(['allow', 'review', 'block']), mode: z.enum(['active', 'shadow']), score: z.number().int().optional(),
})));

// bigint columns come back as strings from pg.
const toEntry = (row: RiskListEntryRow): StoredListEntry => ({
  id: row.id, merchant_id: row.merchant_id, list: listColumn(row.list), action: actionColumn(row.action), value: row.value,
  expires_at: row.expires_at === null ? null : Number(row.expires_at), created_at: Number(row.created_at), updated_at: Number(row.updated_at),
});

const toRuleSet = (row: RiskRuleSetRow): StoredRuleSet => ({
  merchant_id: row.merchant_id, version: Number(row.version), rules: rulesColumn(row.rules), created_at: Number(row.created_at), created_by: row.created_by,
});

/** One version, or the latest when `version` is undefined; undefined when there is none. */
export async function ruleSetOf(db: DbOrTx, merchantId: string, version?: number): Promise<StoredRuleSet | undefined> {
  let q = db.selectFrom('risk_rule_sets').selectAll().where('merchant_id', '=', merchantId);
  q = version === undefined ? q.orderBy('version', 'desc').limit(1) : q.where('version', '=', version);
  const row = await q.executeTakeFirst();
  return row ? toRuleSet(row) : undefined;
}

/**
 * Saves `rules` as the merchant's next version. Two saves at once may both pick the same next
 * number: the loser's insert is a no-op on the primary key and it picks again, so both are kept,
 * one after the other, and neither fails.
 */
export async function insertRuleSet(db: DbOrTx, merchantId: string, rules: readonly RiskRule[], now: number, createdBy: string | null): Promise<StoredRuleSet> {
  const text = JSON.stringify(rules);
  for (let tries = 0; ; tries++) {
    const top = await db.selectFrom('risk_rule_sets').select((eb) => eb.fn.max('version').as('v')).where('merchant_id', '=', merchantId).executeTakeFirst();
    const version = Number(top?.v ?? 0) + 1;
    const row = await db.insertInto('risk_rule_sets').values({ merchant_id: merchantId, version, rules: text, created_at: now, created_by: createdBy })
      .onConflict((oc) => oc.columns(['merchant_id', 'version']).doNothing())
      .returningAll().executeTakeFirst();
    if (row) return toRuleSet(row);
    if (tries >= 20) throw new Error(`risk_rule_sets: could not claim a version for ${merchantId} after ${tries + 1} tries`);
  }
}

export interface ListEntryWrite { id: string; list: ListName; action: ListAction; value: string; expires_at: number | null }

/**
 * Inserts the entries, or updates action and expires_at of those already there (same list and
 * value); an updated entry keeps its id and created_at. Answers the rows as stored, in input
 * order. Entries must be distinct by (list, value): one statement cannot touch a row twice.
 */
export async function upsertListEntries(db: DbOrTx, merchantId: string, entries: readonly ListEntryWrite[], now: number): Promise<StoredListEntry[]> {
  if (entries.length === 0) return [];
  const rows = await db.insertInto('risk_list_entries')
    .values(entries.map((e) => ({ id: e.id, merchant_id: merchantId, list: e.list, action: e.action, value: e.value, expires_at: e.expires_at, created_at: now, updated_at: now })))
    .onConflict((oc) => oc.columns(['merchant_id', 'list', 'value']).doUpdateSet((eb) => ({
      action: eb.ref('excluded.action'), expires_at: eb.ref('excluded.expires_at'), updated_at: eb.ref('excluded.updated_at'),
    })))
    .returningAll().execute();
  const byKey = new Map(rows.map((r) => [`${r.list}\u0000${r.value}`, toEntry(r)]));
  return entries.map((e) => {
    const stored = byKey.get(`${e.list}\u0000${e.value}`);
    if (!stored) throw new Error(`risk_list_entries: the upsert of ${e.list} ${e.value} returned no row`);
    return stored;
  });
}

export interface ListEntryFilter { list?: ListName; limit: number; startingAfter?: string }

/** Newest first, keyset-paged by id (ids sort by creation). */
export async function listEntriesOf(db: DbOrTx, merchantId: string, f: ListEntryFilter): Promise<StoredListEntry[]> {
  let q = db.selectFrom('risk_list_entries').selectAll().where('merchant_id', '=', merchantId);
  if (f.list) q = q.where('list', '=', f.list);
  if (f.startingAfter) q = q.where('id', '<', f.startingAfter);
  return (await q.orderBy('id', 'desc').limit(f.limit).execute()).map(toEntry);
}

/** Every entry of the merchant, expired ones too (the index skips those by time). */
export async function allListEntriesOf(db: DbOrTx, merchantId: string): Promise<StoredListEntry[]> {
  return (await db.selectFrom('risk_list_entries').selectAll().where('merchant_id', '=', merchantId).orderBy('id').execute()).map(toEntry);
}

/** Deletes the merchant's entry; answers it as it was, or undefined when the merchant has no such entry. */
export async function deleteListEntry(db: DbOrTx, merchantId: string, id: string): Promise<StoredListEntry | undefined> {
  const row = await db.deleteFrom('risk_list_entries').where('merchant_id', '=', merchantId).where('id', '=', id).returningAll().executeTakeFirst();
  return row ? toEntry(row) : undefined;
}

/** PostgreSQL: refreshes the planner's statistics of the list table (a sample; cheap at any size). */
export async function analyzeListEntries(db: DbOrTx): Promise<void> {
  await sql`ANALYZE risk_list_entries`.execute(db);
}
