/**
 * Routing configuration: each merchant's rules document (validated against its accounts,
 * cached per node through ctx.configCache) and the candidate accounts for a new payment.
 * What a create does with them (daily limits, the routing log) is in payments/.
 */
import { PaygateError } from '../domain/errors.js';
import { routeCandidates, ruleProblems, type RoutingFacts, type RoutingRule, type RuleProblem } from '../domain/routing.js';
import { accountById, accountIdsFor, accountsByIds } from '../infra/db/repos/provider-accounts.js';
import { routingRulesOf, saveRoutingRules } from '../infra/db/repos/routing.js';
import type { AppContext } from './context.js';
import { connectorFor, providerForMethod, type PaymentMethod } from './connectors.js';
import { getMerchant, type KeyMode } from './merchants.js';
import { accountModeOf, type AccountMode } from './modes.js';
import { capabilityProblem } from './payments/checks.js';

interface StoredRouting {
  rules: RoutingRule[];
  updatedAt: number | null;
  /** Mode (sandbox | live) of every account the rules name; an account's mode never changes, so it caches with the rules. */
  accountModes: Record<string, string>;
}

export interface RoutingDocument { object: 'routing'; merchant_id: string; rules: RoutingRule[]; updated_at: string | null }

const cacheKey = (merchantId: string) => `routing:${merchantId}`;

async function loadStored(ctx: AppContext, merchantId: string): Promise<StoredRouting> {
  const row = await routingRulesOf(ctx.db, merchantId);
  // "No rules" is an answer worth caching too: it is what most creates will find.
  if (!row) return { rules: [], updatedAt: null, accountModes: {} };
  const rules = row.rules;
  const ids = [...new Set(rules.flatMap((r) => r.accounts.map((a) => a.provider_account_id)))];
  const accounts = await accountsByIds(ctx.db, ids);
  return { rules, updatedAt: row.updatedAt, accountModes: Object.fromEntries(accounts.map((a) => [a.id, a.mode])) };
}

/**
 * The rules as a key of one mode sees them: accounts of the other mode are left out, and a
 * rule with none left does not exist for it (the next matching rule, or the default, applies).
 */
function rulesForMode(s: StoredRouting, accountMode: AccountMode): RoutingRule[] {
  return s.rules
    .map((r) => ({ ...r, accounts: r.accounts.filter((a) => s.accountModes[a.provider_account_id] === accountMode) }))
    .filter((r) => r.accounts.length > 0);
}

function stored(ctx: AppContext, merchantId: string): Promise<StoredRouting> {
  return ctx.configCache.get(cacheKey(merchantId), () => loadStored(ctx, merchantId));
}

function toDocument(merchantId: string, s: StoredRouting): RoutingDocument {
  return { object: 'routing', merchant_id: merchantId, rules: s.rules, updated_at: s.updatedAt === null ? null : new Date(s.updatedAt).toISOString() };
}

export async function getRouting(ctx: AppContext, merchantId: string): Promise<RoutingDocument> {
  await getMerchant(ctx, merchantId);
  return toDocument(merchantId, await stored(ctx, merchantId));
}

/** What needs the database: every account exists, is this merchant's, and its provider serves the rule's method. */
async function accountProblems(ctx: AppContext, merchantId: string, rules: readonly RoutingRule[]): Promise<RuleProblem[]> {
  const ids = [...new Set(rules.flatMap((r) => r.accounts.map((a) => a.provider_account_id)))];
  const rows = await accountsByIds(ctx.db, ids);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const problems: RuleProblem[] = [];
  rules.forEach((rule, i) => {
    const provider = providerForMethod(rule.method as PaymentMethod);
    const connector = connectorFor(provider);
    if (!connector) {
      problems.push({ field: `rules.${i}.method`, message: `method ${rule.method} is not available in this build` });
      return;
    }
    rule.accounts.forEach((a, j) => {
      const row = byId.get(a.provider_account_id);
      const field = `rules.${i}.accounts.${j}.provider_account_id`;
      if (!row) problems.push({ field, message: `provider account ${a.provider_account_id} does not exist` });
      else if (row.merchant_id !== merchantId) problems.push({ field, message: `provider account ${a.provider_account_id} belongs to another merchant` });
      else if (row.provider !== provider) problems.push({ field, message: `provider account ${a.provider_account_id} is a ${row.provider} account; ${rule.method} is served by ${provider}` });
    });
    rule.conditions?.currencies?.forEach((c, k) => {
      if (capabilityProblem(connector, rule.method, c)) {
        problems.push({ field: `rules.${i}.conditions.currencies.${k}`, message: `${rule.method} never takes ${c} (it accepts ${connector.currencies.join(', ')}), so this rule could not match` });
      }
    });
  });
  return problems;
}

/** Replaces the merchant's rules document; every node sees it at once (broadcast) or within the cache TTL. */
export async function saveRouting(ctx: AppContext, merchantId: string, rules: RoutingRule[]): Promise<RoutingDocument> {
  await getMerchant(ctx, merchantId);
  const problems = [...ruleProblems(rules), ...(await accountProblems(ctx, merchantId, rules))];
  const first = problems[0];
  if (first) throw new PaygateError('ROUTING.INVALID_RULES', `${first.field}: ${first.message}`, { field: first.field, details: { problems } });
  const now = ctx.now();
  await saveRoutingRules(ctx.db, merchantId, rules, now);
  ctx.configCache.invalidate(cacheKey(merchantId));
  return toDocument(merchantId, { rules, updatedAt: now, accountModes: {} });
}

/**
 * The accounts a new payment is offered to, in order. A pinned account is the only
 * candidate; otherwise the first matching rule decides; without one, every account of the
 * merchant for the provider, oldest first (what Paygate did before routing existed).
 */
export async function candidateAccounts(ctx: AppContext, merchantId: string, provider: string, facts: RoutingFacts, pinned: string | null | undefined, keyMode: KeyMode): Promise<string[]> {
  // Only accounts of the key's mode are ever candidates: a test key never reaches a live account.
  const accountMode = accountModeOf(keyMode);
  if (pinned) {
    const found = await accountById(ctx.db, pinned);
    const row = found?.merchant_id === merchantId && found.provider === provider ? found : undefined;
    if (!row) throw new PaygateError('PAYMENT.NO_PROVIDER_ACCOUNT', `provider account ${pinned} does not exist for this merchant and provider ${provider}`, { field: 'provider_account_id' });
    if (row.mode !== accountMode) {
      throw new PaygateError('PAYMENT.MODE_MISMATCH', `provider account ${pinned} is a ${row.mode} account; a ${keyMode} key only reaches ${accountMode} accounts`, { field: 'provider_account_id' });
    }
    return [row.id];
  }
  const routed = routeCandidates(rulesForMode(await stored(ctx, merchantId), accountMode), facts, Math.random);
  if (routed) return routed;
  const ids = await accountIdsFor(ctx.db, merchantId, provider, accountMode);
  if (ids.length === 0) {
    throw new PaygateError('PAYMENT.NO_PROVIDER_ACCOUNT', `this merchant has no ${accountMode} ${provider} provider account (${keyMode} keys only use ${accountMode} accounts); add one with POST /admin/merchants/{id}/provider_accounts`, { field: 'method' });
  }
  return ids;
}
