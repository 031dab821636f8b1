/**
 * One risk decision from compiled rules, the payment's attributes and its list hits.
 *
 * Action, in the order Stripe Radar uses: an active allow rule that fires (or an allow
 * list hit) → allow, even when block rules fire too; else any active block rule or block
 * hit → block; else any review → review; else allow. Every rule is evaluated, so the
 * result names all that fired; shadow rules are evaluated and reported (`shadow`, and
 * `shadow_action`: what the action would be were they active) but never change the
 * action or the score. A rule whose evaluation fails (a missing optional attribute, a
 * division by zero) does not fire and is listed in `errors`; the decision goes on.
 *
 * Score, 0..99, explainable from `score_parts`:
 *   behaviour = zpart + 10 if the hour is unusual + 10 if the method is unusual, where
 *               zpart = clamp(round(15 × (z − 1)), 0, 60) for z = profile.amount_zscore
 *               (z 2 → 15, 3 → 30, 5+ → 60; smaller-than-usual amounts add nothing);
 *               profileFacts keeps all three neutral below 5 payments;
 *   graph     = 90 / 60 / 30 when a blocked entity is 0 / 1 / 2 hops away, at least
 *               10 × (device_customers_24h − 2) up to 50 (one device, many customers);
 *   geo       = 20 when payer_country and ip_country are both known and differ;
 *   rules     = the highest `score` among the active rules that fired;
 *   score     = min(99, max(behaviour, graph, geo, rules)).
 * A maximum, not a sum: the score says how strong the strongest signal is, and an
 * operator can always name the part that made it.
 */
import type { Attributes } from './attributes.js';
import type { ListEntry, ListHits } from './lists.js';
import type { CompiledRuleSet, EvalScope, RuleAction, RuleMode } from './rules.js';

export interface FiredRule { name: string; action: RuleAction; mode: RuleMode }

export interface Decision {
  action: RuleAction;
  score: number;
  /** Every rule that fired, active and shadow, in rule order. */
  rules: FiredRule[];
  /** The shadow rules that fired and what each would have done. */
  shadow: Array<{ name: string; action: RuleAction }>;
  /** The action had the shadow rules been active (equals `action` when none fired). */
  shadow_action: RuleAction;
  /** Rules whose evaluation failed; they count as not fired. */
  errors: Array<{ name: string; message: string }>;
  /** The live list entries that hit. */
  lists: ListEntry[];
  score_parts: { behaviour: number; graph: number; geo: number; rules: number };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export function scoreParts(a: Attributes): { behaviour: number; graph: number; geo: number } {
  const p = a.profile;
  const z = p?.amount_zscore ?? 0;
  const behaviour = clamp(Math.round(15 * (z - 1)), 0, 60) + (p?.usual_hour === false ? 10 : 0) + (p?.usual_method === false ? 10 : 0);
  const hops = a.graph?.hops_to_blocked;
  const hopPart = hops === 0 ? 90 : hops === 1 ? 60 : hops === 2 ? 30 : 0;
  const shared = clamp(10 * ((a.graph?.device_customers_24h ?? 0) - 2), 0, 50);
  const geo = a.payer_country && a.ip_country && a.payer_country.toUpperCase() !== a.ip_country.toUpperCase() ? 20 : 0;
  return { behaviour, graph: Math.max(hopPart, shared), geo };
}

function firstLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  const nl = m.indexOf('\n');
  return nl < 0 ? m : m.slice(0, nl);
}

function pick(allow: boolean, block: boolean, review: boolean): RuleAction {
  return allow ? 'allow' : block ? 'block' : review ? 'review' : 'allow';
}

export function decide(compiled: CompiledRuleSet, attributes: Attributes, listHits?: ListHits): Decision {
  const scope: EvalScope = { attrs: attributes, cel: undefined };
  const fired: FiredRule[] = [];
  const shadow: Array<{ name: string; action: RuleAction }> = [];
  const errors: Array<{ name: string; message: string }> = [];
  const list = listHits?.action;
  let allow = list === 'allow', block = list === 'block', review = list === 'review';
  let sAllow = false, sBlock = false, sReview = false;
  let ruleScore = 0;
  const rules = compiled.rules;
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    let hit: boolean;
    try {
      hit = r.evaluate(attributes, scope);
    } catch (err) {
      errors.push({ name: r.name, message: firstLine(err) });
      continue;
    }
    if (!hit) continue;
    fired.push({ name: r.name, action: r.action, mode: r.mode });
    if (r.mode === 'shadow') {
      shadow.push({ name: r.name, action: r.action });
      if (r.action === 'allow') sAllow = true; else if (r.action === 'block') sBlock = true; else sReview = true;
      continue;
    }
    if (r.action === 'allow') allow = true; else if (r.action === 'block') block = true; else review = true;
    if (r.score !== undefined && r.score > ruleScore) ruleScore = r.score;
  }
  const parts = { ...scoreParts(attributes), rules: ruleScore };
  return {
    action: pick(allow, block, review),
    score: Math.min(99, Math.max(parts.behaviour, parts.graph, parts.geo, parts.rules)),
    rules: fired,
    shadow,
    shadow_action: pick(allow || sAllow, block || sBlock, review || sReview),
    errors,
    lists: listHits?.hits ?? [],
    score_parts: parts,
  };
}
