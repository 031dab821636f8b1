/**
 * A merchant's risk configuration as the admin API edits it and the decision reads it:
 * versioned rule sets and list entries. Everything a call sends is validated (compileRules,
 * validateListEntries) before anything is written, so a rejected call leaves no trace; a call
 * that passes is written in one transaction. The decision path reads it through
 * loadRiskConfig, compiled and indexed once per merchant and node, until a change on any node
 * invalidates it (ctx.configCache: broadcast over Redis, bounded by the cache TTL without it).
 */
import { PaygateError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { compileRules, ListIndex, validateListEntries, type CompiledRuleSet, type ListEntry, type ListName, type RiskRule } from '../../domain/risk/index.js';
import * as repo from '../../infra/db/repos/risk-config.js';
import type { StoredListEntry, StoredRuleSet } from '../../infra/db/repos/risk-config.js';
import type { DbOrTx } from '../../infra/db/index.js';
import type { AppContext } from '../context.js';
import { getMerchant } from '../merchants.js';

/** An import at least this large refreshes the list table's statistics (PostgreSQL). */
const ANALYZE_AFTER_ENTRIES = 100;

/** Entries one POST may carry; a larger import is sent in pages of this size. */
export const MAX_LIST_ENTRIES_PER_CALL = 1000;

export interface RuleSetDocument {
  object: 'risk_rule_set'; merchant_id: string;
  /** 0 when the merchant never saved rules. */
  version: number;
  rules: RiskRule[]; created_at: string | null; created_by: string | null;
}

export interface ListEntryDocument {
  id: string; object: 'risk_list_entry'; merchant_id: string; list: ListName; action: ListEntry['action']; value: string;
  /** Epoch milliseconds, as sent. */
  expires_at: number | null;
  expired: boolean; created_at: string; updated_at: string;
  deleted?: true;
}

export interface RiskConfig {
  rules: CompiledRuleSet;
  lists: ListIndex;
  /** The rule set's version (0: none saved), for the decision's record of why. */
  version: number;
  /**
   * Until when (epoch ms) some block entry the link graph can reach (a device, customer, e-mail
   * or single IP) applies: Infinity for one without expiry, -Infinity for none. Before it,
   * graph.hops_to_blocked is worth a query (which reads the entries themselves).
   */
  blockedUntil: number;
  /** The facts the rules read that cost a query to gather (app/risk/assess.ts gathers only these). */
  needs: RuleNeeds;
}

/** Which costly attribute groups a rule set reads. */
export interface RuleNeeds {
  /** Which of the four totals the rules read: each is a query of its own (repos/risk-totals.ts). */
  limits: { customerDay: boolean; customerMonth: boolean; merchantDay: boolean; merchantMonth: boolean };
  graphCounts: boolean; hops: boolean;
}

/**
 * Read off the rules' text: an attribute group named anywhere in a `when` is gathered. A name
 * inside a string literal gathers a group for nothing, which costs a query and changes no
 * decision; a group the rules never name is never gathered (and its attributes stay absent).
 */
export function needsOf(rules: CompiledRuleSet): RuleNeeds {
  const text = rules.rules.map((r) => r.when).join('\n');
  return {
    limits: {
      customerDay: /\blimits\s*\.\s*customer_day_/.test(text), customerMonth: /\blimits\s*\.\s*customer_month_/.test(text),
      merchantDay: /\blimits\s*\.\s*merchant_day_/.test(text), merchantMonth: /\blimits\s*\.\s*merchant_month_/.test(text),
    },
    graphCounts: /\bgraph\s*\.\s*(device_customers_24h|customer_devices_24h|ip_customers_24h)\b/.test(text),
    hops: /\bgraph\s*\.\s*hops_to_blocked\b/.test(text),
  };
}

const GRAPH_LISTS: ReadonlySet<ListName> = new Set(['device', 'customer', 'email', 'ip']);

/** RiskConfig.blockedUntil of these entries: a CIDR is not one entity of the graph, so only single IPs count. */
function blockedUntil(entries: readonly StoredListEntry[]): number {
  let until = -Infinity;
  for (const e of entries) {
    if (e.action !== 'block' || !GRAPH_LISTS.has(e.list) || (e.list === 'ip' && e.value.includes('/'))) continue;
    until = Math.max(until, e.expires_at ?? Infinity);
  }
  return until;
}

const iso = (ms: number) => new Date(ms).toISOString();
export const riskCacheKey = (merchantId: string) => `risk:${merchantId}`;

function ruleSetToApi(merchantId: string, s: StoredRuleSet | undefined): RuleSetDocument {
  if (!s) return { object: 'risk_rule_set', merchant_id: merchantId, version: 0, rules: [], created_at: null, created_by: null };
  return { object: 'risk_rule_set', merchant_id: merchantId, version: s.version, rules: s.rules, created_at: iso(s.created_at), created_by: s.created_by };
}

export function listEntryToApi(e: StoredListEntry, now: number): ListEntryDocument {
  return {
    id: e.id, object: 'risk_list_entry', merchant_id: e.merchant_id, list: e.list, action: e.action, value: e.value,
    expires_at: e.expires_at, expired: e.expires_at !== null && e.expires_at <= now, created_at: iso(e.created_at), updated_at: iso(e.updated_at),
  };
}

/** The latest rule set, or `version` of it; version 0 with no rules when none was saved. */
export async function getRiskRules(ctx: AppContext, merchantId: string, version?: number): Promise<RuleSetDocument> {
  await getMerchant(ctx, merchantId);
  const s = await repo.ruleSetOf(ctx.db, merchantId, version);
  if (!s && version !== undefined) {
    const latest = await repo.ruleSetOf(ctx.db, merchantId);
    throw new PaygateError('RISK.RULE_VERSION_NOT_FOUND', `merchant ${merchantId} has no rule set version ${version}; its versions are 1 to ${latest?.version ?? 0}`, { field: 'version' });
  }
  return ruleSetToApi(merchantId, s);
}

export interface SaveRulesInput { rules: unknown; force?: boolean | undefined; created_by?: string | undefined }

/** Validates the whole set (RISK.INVALID_RULE, RISK.RULE_TOO_BROAD) and saves it as the next version. */
export async function saveRiskRules(ctx: AppContext, merchantId: string, input: SaveRulesInput): Promise<RuleSetDocument> {
  await getMerchant(ctx, merchantId);
  const compiled = compileRules(input.rules, { force: input.force === true });
  // Stored from the validated rules, so only the documented fields are kept.
  const rules: RiskRule[] = compiled.rules.map((r) => ({ name: r.name, when: r.when, action: r.action, mode: r.mode, ...(r.score !== undefined ? { score: r.score } : {}) }));
  const saved = await repo.insertRuleSet(ctx.db, merchantId, rules, ctx.now(), input.created_by ?? null);
  ctx.configCache.invalidate(riskCacheKey(merchantId));
  return ruleSetToApi(merchantId, saved);
}

/** One entry `{list, action, value, expires_at?}` or `{entries: [...]}`, as the POST body carries them. */
function entriesOf(body: unknown): unknown[] {
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && 'entries' in body) {
    const { entries, ...rest } = body as { entries: unknown };
    const extra = Object.keys(rest);
    if (extra.length > 0) throw new PaygateError('RISK.INVALID_LIST_ENTRY', `unknown field "${extra[0]}" next to entries; send {entries: [...]} or one entry {list, action, value, expires_at?}`, { field: extra[0]! });
    if (!Array.isArray(entries)) throw new PaygateError('RISK.INVALID_LIST_ENTRY', 'entries must be a JSON array of {list, action, value, expires_at?}', { field: 'entries' });
    if (entries.length === 0) throw new PaygateError('RISK.INVALID_LIST_ENTRY', 'entries is empty; send 1 to 1000 entries', { field: 'entries' });
    return entries;
  }
  if (Array.isArray(body)) throw new PaygateError('RISK.INVALID_LIST_ENTRY', 'send the entries wrapped as {entries: [...]}, or one entry {list, action, value, expires_at?}', { field: 'entries' });
  return [body];
}

/**
 * Adds (or updates, by list and normalised value) every entry of the call in one
 * transaction, or none when any is invalid. An entry sent twice in one call is saved once,
 * as its last occurrence says. Answers the saved entries in the order sent.
 */
export async function addListEntries(ctx: AppContext, merchantId: string, body: unknown): Promise<ListEntryDocument[]> {
  await getMerchant(ctx, merchantId);
  const raw = entriesOf(body);
  if (raw.length > MAX_LIST_ENTRIES_PER_CALL) {
    throw new PaygateError('RISK.LIST_TOO_LARGE', `this call has ${raw.length} entries; send at most ${MAX_LIST_ENTRIES_PER_CALL} per call and page the import over several calls (an entry sent again is updated, not duplicated)`, { field: 'entries', details: { max: MAX_LIST_ENTRIES_PER_CALL, sent: raw.length } });
  }
  const entries = validateListEntries(raw);
  const now = ctx.now();
  const last = new Map<string, repo.ListEntryWrite>();
  for (const e of entries) {
    const key = `${e.list}\u0000${e.value}`;
    last.delete(key); // re-inserted so the map keeps the order of last occurrences
    last.set(key, { id: newId('rle', now), list: e.list, action: e.action, value: e.value, expires_at: e.expires_at ?? null });
  }
  const saved = await ctx.db.transaction().execute((tx) => repo.upsertListEntries(tx, merchantId, [...last.values()], now));
  ctx.configCache.invalidate(riskCacheKey(merchantId));
  // PostgreSQL plans the decision's block-list probes from table statistics; after a bulk
  // import without fresh ones it chose the (merchant, list, id) index and filtered thousands
  // of entries per payment (6 ms instead of 0.2 ms) until autovacuum analysed the table.
  if (ctx.dbh.dialect === 'postgres' && last.size >= ANALYZE_AFTER_ENTRIES) await repo.analyzeListEntries(ctx.db);
  const byKey = new Map(saved.map((s) => [`${s.list}\u0000${s.value}`, s]));
  // Every entry of the call answered in its place, a repeated one with what was saved for it.
  return entries.map((e) => listEntryToApi(byKey.get(`${e.list}\u0000${e.value}`)!, now));
}

export interface ListEntryQuery { list?: ListName | undefined; limit: number; starting_after?: string | undefined }

export async function listRiskListEntries(ctx: AppContext, merchantId: string, q: ListEntryQuery): Promise<{ data: ListEntryDocument[]; has_more: boolean }> {
  await getMerchant(ctx, merchantId);
  const rows = await repo.listEntriesOf(ctx.db, merchantId, { limit: q.limit + 1, ...(q.list ? { list: q.list } : {}), ...(q.starting_after ? { startingAfter: q.starting_after } : {}) });
  const now = ctx.now();
  return { data: rows.slice(0, q.limit).map((r) => listEntryToApi(r, now)), has_more: rows.length > q.limit };
}

export async function deleteRiskListEntry(ctx: AppContext, merchantId: string, entryId: string): Promise<ListEntryDocument> {
  await getMerchant(ctx, merchantId);
  const gone = await repo.deleteListEntry(ctx.db, merchantId, entryId);
  if (!gone) throw new PaygateError('RISK.LIST_ENTRY_NOT_FOUND', `merchant ${merchantId} has no list entry ${entryId}`, { field: 'entry_id' });
  ctx.configCache.invalidate(riskCacheKey(merchantId));
  return { ...listEntryToApi(gone, ctx.now()), deleted: true };
}

// Most merchants configure nothing: they all share this, and no rules are compiled for them.
const EMPTY_RULES = compileRules([]);
const NOTHING: RiskConfig = Object.freeze({ rules: EMPTY_RULES, lists: new ListIndex([]), version: 0, blockedUntil: -Infinity, needs: needsOf(EMPTY_RULES) });

/** True when the merchant configured nothing: the decision is then allow with only the built-in score. */
export const isUnconfigured = (c: RiskConfig): boolean => c === NOTHING;

async function loadStored(db: DbOrTx, merchantId: string): Promise<RiskConfig> {
  const [set, entries] = await Promise.all([repo.ruleSetOf(db, merchantId), repo.allListEntriesOf(db, merchantId)]);
  if (!set && entries.length === 0) return NOTHING;
  // A stored set passed compileRules when saved (breadth included, or forced): force keeps it as accepted then.
  const rules = set ? compileRules(set.rules, { force: true }) : NOTHING.rules;
  const lists = entries.length === 0 ? NOTHING.lists : new ListIndex(entries.map((e) => ({ list: e.list, action: e.action, value: e.value, ...(e.expires_at !== null ? { expires_at: e.expires_at } : {}) })));
  return Object.freeze({ rules, lists, version: set?.version ?? 0, blockedUntil: blockedUntil(entries), needs: needsOf(rules) });
}

/**
 * The merchant's rules (compiled) and lists (indexed) for a decision. Cached on this node and
 * dropped on every node when the merchant's rules or lists change; expired entries stay in
 * the index, which skips them by the decision's time, so expiry needs no invalidation.
 */
export function loadRiskConfig(ctx: AppContext, merchantId: string, db: DbOrTx = ctx.db): Promise<RiskConfig> {
  // `db`: the caller's transaction when it holds one. On SQLite the transaction holds the one
  // connection, and a read through ctx.db would wait for it forever (a notification's first
  // decision after the cache entry lapsed hung the job worker and every request behind it).
  return ctx.configCache.get(riskCacheKey(merchantId), () => loadStored(db, merchantId), { join: db === ctx.db });
}
