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
import { NO_BLOCKED_NEARBY, type Attributes, type Decision, type LimitName } from '../../domain/risk/index.js';
import { decide } from '../../domain/risk/index.js';
import type { DbOrTx } from '../../infra/db/index.js';
import type { PaymentRow } from '../../infra/db/schema.js';
import { profileOf } from '../../infra/db/repos/risk-profiles.js';
import { distinctNeighbours, hopsToAny, recordEdges, type RiskEntity } from '../../infra/db/repos/risk-graph.js';
import { totalsSince } from '../../infra/db/repos/risk-totals.js';
import type { VelocityFacts, VelocityKey, VelocityReservation } from '../../infra/risk/velocity.js';
import { profileFacts } from '../../domain/risk/index.js';
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

async function limitFacts(db: DbOrTx, s: RiskSubject, now: number): Promise<Partial<Record<LimitName, number>>> {
  const day = startOfDay(now), month = startOfMonth(now);
  const [md, mm, cd, cm] = await Promise.all([
    totalsSince(db, s.merchant_id, null, day), totalsSince(db, s.merchant_id, null, month),
    s.customer_id ? totalsSince(db, s.merchant_id, s.customer_id, day) : undefined,
    s.customer_id ? totalsSince(db, s.merchant_id, s.customer_id, month) : undefined,
  ]);
  return {
    merchant_day_amount: md.amount, merchant_day_count: md.count, merchant_month_amount: mm.amount, merchant_month_count: mm.count,
    ...(cd && cm ? { customer_day_amount: cd.amount, customer_day_count: cd.count, customer_month_amount: cm.amount, customer_month_count: cm.count } : {}),
  };
}

/** graph.*: counts include this payment's own links (recorded before they are read). */
export async function graphFacts(db: DbOrTx, cfg: RiskConfig, s: RiskSubject, entities: RiskEntity[], now: number): Promise<Attributes['graph']> {
  const since = now - DAY_MS;
  const g: NonNullable<Attributes['graph']> = {};
  const m = s.merchant_id;
  if (cfg.needs.graphCounts) {
    if (s.device_id) g.device_customers_24h = await distinctNeighbours(db, m, { kind: 'device', value: s.device_id }, 'customer', since);
    if (s.customer_id) g.customer_devices_24h = await distinctNeighbours(db, m, { kind: 'customer', value: s.customer_id }, 'device', since);
    if (s.client_ip) g.ip_customers_24h = await distinctNeighbours(db, m, { kind: 'ip', value: s.client_ip }, 'customer', since);
  }
  const blocked = cfg.blocked.filter((b) => b.expires_at === null || b.expires_at > now).map((b) => b.entity);
  if (cfg.needs.hops || blocked.length > 0) {
    const hops = entities.length > 0 && blocked.length > 0 ? await hopsToAny(db, m, entities, blocked, 2) : null;
    g.hops_to_blocked = hops ?? NO_BLOCKED_NEARBY;
  }
  return g;
}

export async function assessPayment(ctx: AppContext, s: RiskSubject): Promise<Assessment> {
  const started = performance.now();
  const now = ctx.now();
  const cfg = await loadRiskConfig(ctx, s.merchant_id);
  const keys = velocityKeys(s);
  const entities = graphEntities(s);
  const reserve = keys.length > 0 ? ctx.velocity.reserve(keys, s.amount, [], now) : undefined;
  // Recorded before the counts are read, so "customers this device paid for" includes this one.
  if (entities.length >= 2) await recordEdges(ctx.db, s.merchant_id, entities, now);
  const configured = !isUnconfigured(cfg);
  const [velocity, limits, graph, profile] = await Promise.all([
    reserve,
    cfg.needs.limits ? limitFacts(ctx.db, s, now) : undefined,
    configured ? graphFacts(ctx.db, cfg, s, entities, now) : undefined,
    configured && s.customer_id ? profileOf(ctx.db, s.merchant_id, s.customer_id, s.currency) : undefined,
  ]);
  const hour = new Date(now).getUTCHours();
  const attrs: Attributes = {
    ...baseAttributes(ctx, s, hour),
    ...(velocity ? { velocity: Object.fromEntries(keys.map((k, i) => [k.dimension, flatFacts(velocity.before[i]!)])) } : {}),
    ...(limits ? { limits } : {}),
    ...(graph ? { graph } : {}),
    ...(configured && s.customer_id ? { profile: profileFacts(profile, s.amount, hour, s.method, s.currency) } : {}),
  };
  const decision = decide(cfg.rules, attrs, cfg.lists.hits(attrs, now));
  ctx.metrics.riskDecisions.inc({ action: decision.action });
  for (const r of decision.rules) ctx.metrics.riskRulesFired.inc({ rule: r.name, mode: r.mode, action: r.action });
  ctx.metrics.riskDecisionSeconds.observe((performance.now() - started) / 1000);
  return { decision, version: cfg.version, reservation: velocity?.reservation };
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
export type DecisionRecord = ReturnType<typeof decisionRecord>;

/** Why in a sentence, for the failure message and the review's reason. */
export function decisionReason(d: Decision): string {
  const rules = d.rules.filter((r) => r.mode === 'active' && r.action === d.action).map((r) => `rule ${r.name}`);
  const lists = d.lists.filter((e) => e.action === d.action).map((e) => `${e.list} list (${e.value})`);
  const why = [...rules, ...lists];
  return why.length > 0 ? why.join(', ') : `score ${d.score}`;
}
