import { describe, expect, it } from 'vitest';
import { NO_BLOCKED_NEARBY, type Attributes } from './attributes.js';
import { decide, scoreParts } from './decide.js';
import type { ListHits } from './lists.js';
import { compileRules, type RiskRule } from './rules.js';

const base: Attributes = {
  amount: 10_000, currency: 'CNY', method: 'alipay_qr', merchant_id: 'm', hour: 12,
  customer: { id: 'cus_1', email: 'a@b.com' }, device_id: 'dev_1', payer_country: 'CN', ip_country: 'CN',
  velocity: { customer: { count_1h: 2, amount_24h: 50_000 }, device: { count_1m: 0 }, ip: { count_24h: 3 }, email: { count_24h: 1 } },
  limits: { customer_day_amount: 90_000, merchant_month_count: 100 },
  graph: { device_customers_24h: 1, customer_devices_24h: 1, ip_customers_24h: 1, hops_to_blocked: NO_BLOCKED_NEARBY },
  profile: { amount_zscore: 0.5, usual_hour: true, usual_method: true, payments: 20 },
};
const at = (over: Record<string, unknown>): Attributes => {
  const a = structuredClone(base) as unknown as Record<string, Record<string, unknown>>;
  for (const [path, v] of Object.entries(over)) {
    const parts = path.split('.');
    let node = a as Record<string, unknown>;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]!] = v;
  }
  return a as unknown as Attributes;
};
const one = (when: string, action: RiskRule['action'] = 'block') => compileRules([{ name: 'r', when, action, mode: 'active' }], { force: true });

describe('decide: each kind of rule on both sides of its threshold', () => {
  const cases: Array<[string, string, Record<string, unknown>, Record<string, unknown>]> = [
    ['amount', 'amount > 50000', { amount: 50_001 }, { amount: 50_000 }],
    ['velocity', 'velocity.customer.count_1h >= 5', { 'velocity.customer.count_1h': 5 }, { 'velocity.customer.count_1h': 4 }],
    ['velocity amount', 'velocity.customer.amount_24h + amount > 100000', { 'velocity.customer.amount_24h': 90_001 }, { 'velocity.customer.amount_24h': 90_000 }],
    ['limit', 'limits.customer_day_amount + amount > 100000', { 'limits.customer_day_amount': 90_001 }, { 'limits.customer_day_amount': 90_000 }],
    ['graph', 'graph.device_customers_24h > 3', { 'graph.device_customers_24h': 4 }, { 'graph.device_customers_24h': 3 }],
    ['blocked neighbour', 'graph.hops_to_blocked <= 1', { 'graph.hops_to_blocked': 1 }, { 'graph.hops_to_blocked': 2 }],
    ['geo', 'payer_country != ip_country', { ip_country: 'RU' }, { ip_country: 'CN' }],
    ['profile', 'profile.amount_zscore > 3.0 && profile.payments >= 5', { 'profile.amount_zscore': 3.01 }, { 'profile.amount_zscore': 3 }],
    ['hour', 'hour < 6 && !profile.usual_hour', { hour: 5, 'profile.usual_hour': false }, { hour: 6, 'profile.usual_hour': false }],
    ['method', 'method in ["paypal", "stripe"]', { method: 'paypal' }, { method: 'alipay_qr' }],
    ['email', 'customer.email.endsWith("@evil.com")', { 'customer.email': 'x@evil.com' }, { 'customer.email': 'x@evil.co' }],
  ];
  for (const [kind, when, fires, quiet] of cases) {
    it(kind, () => {
      const c = one(when);
      expect(decide(c, at(fires)).action, 'fires').toBe('block');
      expect(decide(c, at(fires)).rules).toEqual([{ name: 'r', action: 'block', mode: 'active' }]);
      expect(decide(c, at(quiet)).action, 'quiet').toBe('allow');
      expect(decide(c, at(quiet)).rules).toEqual([]);
    });
  }
});

describe('decide: order, shadow, errors, lists, score', () => {
  const rules = compileRules([
    { name: 'review_big', when: 'amount > 1000', action: 'review', mode: 'active', score: 40 },
    { name: 'block_bigger', when: 'amount > 5000', action: 'block', mode: 'active', score: 80 },
    { name: 'allow_vip', when: 'customer.id == "cus_vip"', action: 'allow', mode: 'active' },
    { name: 'shadow_block', when: 'amount > 500', action: 'block', mode: 'shadow', score: 99 },
  ]);

  it('allow beats block beats review, as Radar orders them', () => {
    expect(decide(rules, at({ amount: 2000 })).action).toBe('review');
    expect(decide(rules, at({ amount: 9000 })).action).toBe('block');
    const vip = decide(rules, at({ amount: 9000, 'customer.id': 'cus_vip' }));
    expect(vip.action).toBe('allow');
    expect(vip.rules.map((r) => r.name)).toEqual(['review_big', 'block_bigger', 'allow_vip', 'shadow_block']);
    expect(decide(rules, at({ amount: 100 })).action).toBe('allow');
  });

  it('shadow rules are reported but change neither action nor score', () => {
    const d = decide(rules, at({ amount: 800 }));
    expect(d.action).toBe('allow');
    expect(d.score).toBe(0);
    expect(d.shadow).toEqual([{ name: 'shadow_block', action: 'block' }]);
    expect(d.shadow_action).toBe('block');
    expect(d.rules).toEqual([{ name: 'shadow_block', action: 'block', mode: 'shadow' }]);
    const withoutShadow = compileRules([{ name: 'review_big', when: 'amount > 1000', action: 'review', mode: 'active', score: 40 }]);
    const a = at({ amount: 2000 });
    expect({ ...decide(rules, a), rules: [], shadow: [], shadow_action: null }).toEqual({ ...decide(withoutShadow, a), rules: [], shadow: [], shadow_action: null });
  });

  it('a rule that fails (missing attribute, division by zero) does not fire and is reported', () => {
    const c = compileRules([
      { name: 'needs_device', when: 'velocity.device.count_24h > 3', action: 'block', mode: 'active' },
      { name: 'div', when: 'amount / velocity.device.count_1m > 10', action: 'block', mode: 'active' },
      { name: 'ok', when: 'amount > 5000', action: 'review', mode: 'active' },
    ]);
    const d = decide(c, at({ amount: 9000 }));
    expect(d.action).toBe('review');
    expect(d.errors).toEqual([{ name: 'needs_device', message: 'attribute velocity.device.count_24h is missing' }, { name: 'div', message: 'division by zero' }]);
  });

  it('list hits take part: allow > block > review with the rules', () => {
    const block: ListHits = { action: 'block', hits: [{ list: 'device', action: 'block', value: 'dev_1' }] };
    const allow: ListHits = { action: 'allow', hits: [{ list: 'customer', action: 'allow', value: 'cus_1' }] };
    expect(decide(rules, at({ amount: 100 }), block).action).toBe('block');
    expect(decide(rules, at({ amount: 9000 }), allow).action).toBe('allow');
    expect(decide(rules, at({ amount: 2000 }), block).lists).toEqual(block.hits);
  });

  it('scores by the documented formula: the strongest of behaviour, graph, geo and rules', () => {
    expect(scoreParts(base)).toEqual({ behaviour: 0, graph: 0, geo: 0 });
    expect(scoreParts(at({ 'profile.amount_zscore': 3 })).behaviour).toBe(30);
    expect(scoreParts(at({ 'profile.amount_zscore': 9, 'profile.usual_hour': false, 'profile.usual_method': false })).behaviour).toBe(80);
    expect(scoreParts(at({ 'graph.hops_to_blocked': 0 })).graph).toBe(90);
    expect(scoreParts(at({ 'graph.hops_to_blocked': 2 })).graph).toBe(30);
    expect(scoreParts(at({ 'graph.device_customers_24h': 5 })).graph).toBe(30);
    expect(scoreParts(at({ ip_country: 'US' })).geo).toBe(20);
    expect(decide(rules, at({ amount: 2000 })).score).toBe(40);
    expect(decide(rules, at({ amount: 9000 })).score).toBe(80);
    expect(decide(rules, at({ amount: 2000, 'graph.hops_to_blocked': 0 })).score).toBe(90);
    expect(decide(rules, at({ amount: 2000, 'graph.hops_to_blocked': 0 })).score_parts).toEqual({ behaviour: 0, graph: 90, geo: 0, rules: 40 });
  });
});
