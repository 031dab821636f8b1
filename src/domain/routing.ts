/**
 * Routing rules: which provider accounts a payment is offered to, and in which order.
 * Pure: the rules, the payment's facts and a random source in; account ids out. The first
 * rule whose method and conditions match decides; no match means "no opinion" and the
 * caller uses its default order. Amount bounds are inclusive, in the payment currency's
 * minor units (combine them with `currencies` when the method takes several currencies).
 */

export type RoutingStrategy = 'ordered' | 'weighted';

export interface RoutingAccount {
  provider_account_id: string;
  weight?: number | undefined;
}

export interface RoutingConditions {
  currencies?: string[] | undefined;
  min_amount?: number | undefined;
  max_amount?: number | undefined;
  payer_countries?: string[] | undefined;
}

export interface RoutingRule {
  method: string;
  strategy: RoutingStrategy;
  accounts: RoutingAccount[];
  conditions?: RoutingConditions | undefined;
}

export interface RoutingFacts {
  method: string;
  currency: string;
  amount: number;
  payerCountry?: string | null | undefined;
}

/** Returns a number in [0, 1), like Math.random. Injected so tests can seed it. */
export type Rng = () => number;

/** A problem with a rules document, located by the path of the offending value. */
export interface RuleProblem {
  field: string;
  message: string;
}

export function ruleMatches(rule: RoutingRule, facts: RoutingFacts): boolean {
  if (rule.method !== facts.method) return false;
  const c = rule.conditions;
  if (!c) return true;
  if (c.currencies && !c.currencies.includes(facts.currency)) return false;
  if (c.min_amount !== undefined && facts.amount < c.min_amount) return false;
  if (c.max_amount !== undefined && facts.amount > c.max_amount) return false;
  // A rule for certain countries never applies to a payment whose country is unknown.
  if (c.payer_countries && (!facts.payerCountry || !c.payer_countries.includes(facts.payerCountry))) return false;
  return true;
}

export function matchRule(rules: readonly RoutingRule[], facts: RoutingFacts): RoutingRule | undefined {
  return rules.find((r) => ruleMatches(r, facts));
}

/**
 * Weighted random order without replacement: each position is drawn among the accounts
 * not yet placed, with probability weight / remaining weight. An account of weight 3 is
 * therefore first three times as often as one of weight 1, and the other is its fallback.
 */
export function weightedOrder(accounts: readonly RoutingAccount[], rng: Rng): string[] {
  const pool = accounts.map((a) => ({ id: a.provider_account_id, weight: a.weight ?? 1 }));
  const out: string[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((s, a) => s + a.weight, 0);
    let r = rng() * total;
    let i = 0;
    for (; i < pool.length - 1; i++) {
      r -= (pool[i] as { weight: number }).weight;
      if (r < 0) break;
    }
    out.push((pool.splice(i, 1)[0] as { id: string }).id);
  }
  return out;
}

export function orderAccounts(rule: RoutingRule, rng: Rng): string[] {
  return rule.strategy === 'weighted' ? weightedOrder(rule.accounts, rng) : rule.accounts.map((a) => a.provider_account_id);
}

/** The candidate accounts in order, or undefined when no rule matches (the caller's default applies). */
export function routeCandidates(rules: readonly RoutingRule[], facts: RoutingFacts, rng: Rng): string[] | undefined {
  const rule = matchRule(rules, facts);
  return rule ? orderAccounts(rule, rng) : undefined;
}

/**
 * Checks a document can mean only one thing; what needs the database (accounts exist and
 * serve the method) is checked by the caller. Shape (types, formats) is the schema's job.
 */
export function ruleProblems(rules: readonly RoutingRule[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  rules.forEach((rule, i) => {
    const at = `rules.${i}`;
    const seen = new Set<string>();
    rule.accounts.forEach((a, j) => {
      if (seen.has(a.provider_account_id)) {
        problems.push({ field: `${at}.accounts.${j}.provider_account_id`, message: `account ${a.provider_account_id} is listed twice in this rule` });
      }
      seen.add(a.provider_account_id);
      if (rule.strategy === 'weighted' && a.weight === undefined) {
        problems.push({ field: `${at}.accounts.${j}.weight`, message: 'a weighted rule needs a positive integer weight on every account' });
      }
      if (rule.strategy === 'ordered' && a.weight !== undefined) {
        // Silently ignoring it would hide a rule that was meant to be weighted.
        problems.push({ field: `${at}.accounts.${j}.weight`, message: 'weight only applies to strategy "weighted"; remove it or set the strategy' });
      }
    });
    const c = rule.conditions;
    if (c?.min_amount !== undefined && c.max_amount !== undefined && c.min_amount > c.max_amount) {
      problems.push({ field: `${at}.conditions.min_amount`, message: `min_amount ${c.min_amount} is greater than max_amount ${c.max_amount}` });
    }
  });
  return problems;
}

/** One account routing passed over for a payment, kept on the payment and shown to the merchant. */
export interface RoutingLogEntry {
  provider_account_id: string;
  /** The attempt that failed there; absent when the account was skipped without a call. */
  attempt_id?: string;
  /**
   * skipped: not called; failed: the provider refused or was provably not reached, and routing
   * moved on; unanswered: the call may have reached the provider (timeout), so the attempt is
   * kept and a repeated create resumes it with the same provider key — routing does not move on.
   */
  outcome: 'skipped' | 'failed' | 'unanswered';
  /** CIRCUIT_OPEN, DAILY_LIMIT, or the error code of the failed call (e.g. CONNECTOR.TIMEOUT). */
  reason: string;
  /** ISO 8601. */
  at: string;
}

export function parseRoutingLog(text: string | null | undefined): RoutingLogEntry[] {
  if (!text) return [];
  const v = JSON.parse(text) as unknown;
  return Array.isArray(v) ? (v as RoutingLogEntry[]) : [];
}
