/**
 * The risk decision on a new payment, before any provider call (docs/risk.md): gathers the
 * facts its merchant's rules read — velocity, limits, the link graph, the customer's
 * behaviour profile, the IP's country — and decides allow | review | block with a score.
 *
 * What it costs is what the merchant asks for. Velocity is counted for every payment that
 * names a customer, device, IP or e-mail (one Redis script, or memory), so a rule added
 * later has history to read; the links of the graph are recorded for every payment with two
 * or more of those. Limits, graph counts and the profile cost queries and are gathered only
 * when a rule names them (needsOf), or — hops to a blocked entity, and the profile — when the
 * merchant keeps block-list entries or any configuration at all. A merchant with no rules and
 * no lists gets `allow` with the built-in score.
 *
 * Velocity is exact under concurrency: the count a payment is decided on is the count its own
 * atomic reservation saw, so 50 creates at once on two nodes see 0..49 and a limit of N lets
 * exactly N through. A blocked or reviewed payment stays counted (a card-testing run keeps
 * hitting its limit); only a create that fails before it is stored gives its count back.
 */
import { decide, NO_BLOCKED_NEARBY, profileFacts, type Attributes, type BehaviourProfile, type Decision, type LimitName } from '../../domain/risk/index.js';
import type { DbOrTx } from '../../infra/db/index.js';
import type { PaymentRow } from '../../infra/db/schema.js';
import { parseProfile } from '../../infra/db/repos/risk-profiles.js';
import { recordEdges, type RiskEntity } from '../../infra/db/repos/risk-graph.js';
import { gatherRiskFacts, type FactsRequest } from '../../infra/db/repos/risk-facts.js';
import type { VelocityFacts, VelocityKey, VelocityReservation } from '../../infra/risk/velocity.js';
import type { AppContext } from '../context.js';
import { isUnconfigured, loadRiskConfig, type RiskConfig } from './config.js';

/** What the decision reads of a payment that is about to be created. */
export type RiskSubject = Pick<PaymentRow, 'merchant_id' | 'amount' | 'currency' | 'method' | 'payer_country' | 'customer_id' | 'customer_email' | 'customer_phone' | 'client_ip' | 'device_id'>;

export interface Assessment {
  decision: Decision;
  /** The rule set's version that decided (0: none). */
  version: number;
  /** The velocity counts this payment took; give them back (release) if the create fails before it is stored. */
  reservation: VelocityReservation | undefined;
  /** The payment's entities, linked in the graph by recordPaymentLinks in the create's transaction. */
  entities: RiskEntity[];
}

const DAY_MS = 86_400_000;
const startOfDay = (ms: number) => ms - (ms % DAY_MS);
const startOfMonth = (ms: number) => { const d = new Date(ms); return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1); };

function velocityKeys(s: RiskSubject): VelocityKey[] {
  const keys: VelocityKey[] = [];
  if (s.customer_id) keys.push({ merchantId: s.merchant_id, dimension: 'customer', value: s.customer_id });
  if (s.device_id) keys.push({ merchantId: s.merchant_id, dimension: 'device', value: s.device_id });
  if (s.client_ip) keys.push({ merchantId: s.merchant_id, dimension: 'ip', value: s.client_ip });
  if (s.customer_email) keys.push({ merchantId: s.merchant_id, dimension: 'email', value: s.customer_email });
  return keys;
}

export function graphEntities(s: Pick<RiskSubject, 'customer_id' | 'customer_email' | 'client_ip' | 'device_id'>): RiskEntity[] {
  const e: RiskEntity[] = [];
  if (s.customer_id) e.push({ kind: 'customer', value: s.customer_id });
  if (s.device_id) e.push({ kind: 'device', value: s.device_id });
  if (s.client_ip) e.push({ kind: 'ip', value: s.client_ip });
  if (s.customer_email) e.push({ kind: 'email', value: s.customer_email });
  return e;
}

const flatFacts = (f: VelocityFacts) => ({
  count_1m: f.count['1m'], count_1h: f.count['1h'], count_24h: f.count['24h'],
  amount_1m: f.amount['1m'], amount_1h: f.amount['1h'], amount_24h: f.amount['24h'],
});

export interface StoredFactsWanted { limits: boolean; profile: boolean }

/**
 * The decision's facts that are stored — limits, graph, profile — in one statement
 * (repos/risk-facts.ts), each only when the rules read it: a merchant's totals scan its
 * payments of the period. Graph counts include this payment's own links (`plus`: they are
 * written with the payment, after the decision); its links among its own entities cannot
 * bring a blocked entity nearer than its own entities are, so hops need no such help.
 */
export async function storedFacts(db: DbOrTx, cfg: RiskConfig, s: RiskSubject, entities: RiskEntity[], now: number, want: StoredFactsWanted): Promise<Pick<Attributes, 'limits' | 'graph'> & { profile?: BehaviourProfile | undefined }> {
  const need = cfg.needs;
  const customer = s.customer_id ?? null;
  const day = startOfDay(now), month = startOfMonth(now), since = now - DAY_MS;
  const totals: FactsRequest['totals'] = [];
  if (want.limits && customer && need.limits.customerDay) totals.push({ name: 'customer_day', customerId: customer, since: day });
  if (want.limits && customer && need.limits.customerMonth) totals.push({ name: 'customer_month', customerId: customer, since: month });
  if (want.limits && need.limits.merchantDay) totals.push({ name: 'merchant_day', customerId: null, since: day });
  if (want.limits && need.limits.merchantMonth) totals.push({ name: 'merchant_month', customerId: null, since: month });
  const counts: FactsRequest['counts'] = [];
  const plus = (v: string | null | undefined) => v ?? undefined;
  if (need.graphCounts && s.device_id) counts.push({ name: 'device_customers_24h', from: { kind: 'device', value: s.device_id }, kind: 'customer', since, plus: plus(s.customer_id) });
  if (need.graphCounts && s.customer_id) counts.push({ name: 'customer_devices_24h', from: { kind: 'customer', value: s.customer_id }, kind: 'device', since, plus: plus(s.device_id) });
  if (need.graphCounts && s.client_ip) counts.push({ name: 'ip_customers_24h', from: { kind: 'ip', value: s.client_ip }, kind: 'customer', since, plus: plus(s.customer_id) });
  // The list in memory says whether any block entry is live; the query reads the entries themselves.
  const anyBlocked = now < cfg.blockedUntil;
  const f = await gatherRiskFacts(db, {
    merchantId: s.merchant_id, totals, counts,
    hops: anyBlocked && entities.length > 0 ? { start: entities, now } : undefined,
    profile: want.profile && customer ? { customerId: customer, currency: s.currency } : undefined,
  });
  const limits: Partial<Record<LimitName, number>> = {};
  for (const [name, t] of Object.entries(f.totals)) Object.assign(limits, { [`${name}_amount`]: t.amount, [`${name}_count`]: t.count });
  const graph: NonNullable<Attributes['graph']> = { ...f.counts };
  if (need.hops || anyBlocked) graph.hops_to_blocked = f.hops ?? NO_BLOCKED_NEARBY;
  return {
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    graph,
    ...(f.profile !== undefined ? { profile: parseProfile(f.profile) } : {}),
  };
}

export async function assessPayment(ctx: AppContext, s: RiskSubject): Promise<Assessment> {
  const started = performance.now();
  const now = ctx.now();
  const cfg = await loadRiskConfig(ctx, s.merchant_id);
  const keys = velocityKeys(s);
  const entities = graphEntities(s);
  const reserve = keys.length > 0 ? ctx.velocity.reserve(keys, s.amount, [], now) : undefined;
  const configured = !isUnconfigured(cfg);
  const [velocity, stored] = await Promise.all([
    reserve,
    configured ? storedFacts(ctx.db, cfg, s, entities, now, { limits: true, profile: true }) : undefined,
  ]);
  const hour = new Date(now).getUTCHours();
  const attrs: Attributes = {
    ...baseAttributes(ctx, s, hour),
    ...(velocity ? { velocity: Object.fromEntries(keys.map((k, i) => [k.dimension, flatFacts(velocity.before[i]!)])) } : {}),
    ...(stored?.limits ? { limits: stored.limits } : {}),
    ...(stored ? { graph: stored.graph } : {}),
    ...(configured && s.customer_id ? { profile: profileFacts(stored?.profile, s.amount, hour, s.method, s.currency) } : {}),
  };
  const decision = decide(cfg.rules, attrs, cfg.lists.hits(attrs, now));
  ctx.metrics.riskDecisions.inc({ action: decision.action });
  for (const r of decision.rules) ctx.metrics.riskRulesFired.inc({ rule: r.name, mode: r.mode, action: r.action });
  ctx.metrics.riskDecisionSeconds.observe((performance.now() - started) / 1000);
  return { decision, version: cfg.version, reservation: velocity?.reservation, entities };
}

/** The payment's own attributes: what it is and who pays, without the facts that cost a query. */
export function baseAttributes(ctx: AppContext, s: RiskSubject, hour: number): Attributes {
  return {
    amount: s.amount, currency: s.currency, method: s.method, merchant_id: s.merchant_id, hour,
    ...(s.customer_id || s.customer_email || s.customer_phone ? {
      customer: { ...(s.customer_id ? { id: s.customer_id } : {}), ...(s.customer_email ? { email: s.customer_email } : {}), ...(s.customer_phone ? { phone: s.customer_phone } : {}) },
    } : {}),
    ...(s.client_ip ? { client_ip: s.client_ip } : {}),
    ...(s.device_id ? { device_id: s.device_id } : {}),
    ...(s.payer_country ? { payer_country: s.payer_country } : {}),
    ...ipCountry(ctx, s.client_ip),
  };
}

function ipCountry(ctx: AppContext, ip: string | null | undefined): { ip_country?: string } {
  if (!ip) return {};
  const c = ctx.geo.country(ip);
  return c ? { ip_country: c } : {};
}

/** Links the payment's entities in the graph, in the transaction that stores the payment (blocked ones too: a refused try is still a link). */
export async function recordPaymentLinks(trx: DbOrTx, merchantId: string, a: Assessment, now: number): Promise<void> {
  if (a.entities.length >= 2) await recordEdges(trx, merchantId, a.entities, now);
}

/** Gives back the velocity counts of a payment that was never stored. */
export async function releaseAssessment(ctx: AppContext, a: Assessment): Promise<void> {
  if (a.reservation) await ctx.velocity.release(a.reservation, ctx.now());
}

/** What the payment keeps of the decision (payments.risk_decision) and the API shows as `risk`. */
export function decisionRecord(a: Assessment) {
  const d = a.decision;
  return {
    action: d.action, score: d.score, rules: d.rules, shadow_action: d.shadow_action, shadow: d.shadow, errors: d.errors,
    lists: d.lists.map((e) => ({ list: e.list, action: e.action, value: e.value })), score_parts: d.score_parts, rule_set_version: a.version,
  };
}

/** Why in a sentence, for the failure message and the review's reason. */
export function decisionReason(d: Decision): string {
  const rules = d.rules.filter((r) => r.mode === 'active' && r.action === d.action).map((r) => `rule ${r.name}`);
  const lists = d.lists.filter((e) => e.action === d.action).map((e) => `${e.list} list (${e.value})`);
  const why = [...rules, ...lists];
  return why.length > 0 ? why.join(', ') : `score ${d.score}`;
}
