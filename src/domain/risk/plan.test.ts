/**
 * decide's plan (plan.ts, guards.ts) skips rules it can show do not fire and fires rules it
 * can show fire; the Decision must be exactly the one of running every rule in order
 * (decideEveryRule), errors included. Random rule sets over the shapes merchants write and
 * the shapes that make guards delicate (missing attributes under &&, division by zero, NaN,
 * wrong types, values equal to a threshold, ||, ?:, rules on the library evaluator), on
 * random payments with attributes missing, against the reference.
 */
import { describe, expect, it } from 'vitest';
import { seeded } from '../../test-support/seeded.js';
import type { Attributes } from './attributes.js';
import { decide, decideEveryRule } from './decide.js';
import type { ListHits } from './lists.js';
import { compileRules, type CompiledRuleSet, type RiskRule } from './rules.js';

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

const INTS = ['amount', 'hour', 'velocity.customer.count_1h', 'velocity.ip.count_1m', 'velocity.device.amount_24h', 'limits.customer_day_amount', 'graph.hops_to_blocked', 'profile.payments'];
const STRINGS: Array<[string, string[]]> = [['currency', ['USD', 'CNY', 'EUR']], ['method', ['paypal', 'stripe', 'alipay_qr']], ['payer_country', ['CN', 'US']], ['ip_country', ['CN', 'US']], ['device_id', ['dev_1', 'dev_2']], ['customer.id', ['cus_1', 'cus_2', 'cus_3']]];
const BOOLS = ['profile.usual_hour', 'profile.usual_method'];
const OPS = ['<', '<=', '>', '>=', '==', '!='];

/** One conjunct: mostly guard shapes (attribute op literal), some that are their own subject. */
function conjunct(r: Rand): string {
  const k = r();
  if (k < 0.3) {
    const lit = String(int(r, 0, 12));
    return r() < 0.8 ? `${pick(r, INTS)} ${pick(r, OPS)} ${lit}` : `${lit} ${pick(r, OPS)} ${pick(r, INTS)}`;
  }
  if (k < 0.38) return `profile.amount_zscore ${pick(r, OPS)} ${pick(r, ['0.5', '1.0', '2.5', '-1.0'])}`;
  if (k < 0.5) {
    const [s, vs] = pick(r, STRINGS);
    const v = pick(r, [...vs, 'XX']);
    return r() < 0.7 ? `${s} ${pick(r, ['==', '!='])} "${v}"` : `"${v}" == ${s}`;
  }
  if (k < 0.58) {
    const [s, vs] = pick(r, STRINGS);
    const items = vs.filter(() => r() < 0.5).map((v) => `"${v}"`);
    return `${r() < 0.2 ? '!' : ''}(${s} in [${items.join(', ') || '"none"'}])`;
  }
  if (k < 0.64) return `${r() < 0.5 ? '!' : ''}${pick(r, BOOLS)}`;
  if (k < 0.7) return `has(${pick(r, [...INTS.filter((p) => p.includes('.')), ...BOOLS])})`;
  if (k < 0.78) return `${pick(r, INTS)} + ${pick(r, INTS)} ${pick(r, ['>', '<=', '=='])} ${int(r, 0, 20)}`;
  if (k < 0.83) return `amount / velocity.ip.count_1m > ${int(r, 0, 8)}`;
  if (k < 0.87) return 'payer_country != ip_country';
  if (k < 0.9) return `(${conjunct(r)} || ${conjunct(r)})`;
  if (k < 0.92) return `(amount > 5 ? hour > ${int(r, 0, 12)} : velocity.customer.count_1h < 3)`;
  if (k < 0.94) return pick(r, ['true', 'false', '1 / 0 == 1']);
  if (k < 0.96) return `customer.email.endsWith("${pick(r, ['@evil.com', '.org'])}")`;
  // The library evaluator (closures compile neither): never guarded, always run.
  return pick(r, ['currency < "EUR"', 'customer.email.matches("^a")']);
}

function when(r: Rand): string {
  const n = int(r, 1, 4);
  const parts = Array.from({ length: n }, () => conjunct(r));
  // Nesting either way: guards.ts flattens every && tree.
  if (n >= 3 && r() < 0.3) return `${parts[0]} && (${parts.slice(1).join(' && ')})`;
  if (n >= 3 && r() < 0.3) return `(${parts.slice(0, 2).join(' && ')}) && ${parts.slice(2).join(' && ')}`;
  return parts.join(' && ');
}

function ruleSet(r: Rand, n: number): CompiledRuleSet {
  const rules: RiskRule[] = Array.from({ length: n }, (_, i) => ({
    name: `r${i}`, when: when(r), action: pick(r, ['allow', 'review', 'block'] as const), mode: r() < 0.2 ? 'shadow' : 'active', ...(r() < 0.5 ? { score: int(r, 0, 99) } : {}),
  }));
  return compileRules(rules, { force: true });
}

/** Values near the literals (so equality with a threshold happens), some missing, some odd. */
function payment(r: Rand): Attributes {
  const maybe = <T>(v: T): T | undefined => (r() < 0.15 ? undefined : v);
  const num = () => (r() < 0.03 ? pick(r, [Number.NaN, -0, 2.5, Number.POSITIVE_INFINITY]) : int(r, 0, 12));
  const odd = <T>(v: T): T => (r() < 0.02 ? ('7' as unknown as T) : v); // a wrong type: closures fail on it
  const a: Record<string, unknown> = {
    amount: odd(num()), currency: pick(r, ['USD', 'CNY', 'EUR', 'XX']), method: pick(r, ['paypal', 'stripe', 'alipay_qr']), merchant_id: 'm', hour: num(),
    customer: maybe({ id: maybe(pick(r, ['cus_1', 'cus_2', 'cus_3'])), email: maybe(pick(r, ['a@evil.com', 'b@x.org'])) }),
    device_id: maybe(pick(r, ['dev_1', 'dev_2'])), payer_country: maybe(pick(r, ['CN', 'US'])), ip_country: maybe(pick(r, ['CN', 'US', 'DE'])),
    velocity: maybe({ customer: { count_1h: maybe(num()) }, ip: { count_1m: maybe(pick(r, [0, 1, 2])) }, device: { amount_24h: maybe(odd(num())) } }),
    limits: maybe({ customer_day_amount: maybe(num()) }),
    graph: maybe({ hops_to_blocked: maybe(pick(r, [0, 1, 2, 1_000_000])) }),
    profile: maybe({ amount_zscore: maybe(pick(r, [r() * 4 - 1, 0.5, 1, 2.5, Number.NaN])), usual_hour: maybe(odd(r() < 0.5)), usual_method: maybe(r() < 0.5), payments: maybe(num()) }),
  };
  return a as unknown as Attributes;
}

function hits(r: Rand): ListHits | undefined {
  const action = pick(r, [undefined, undefined, 'allow', 'review', 'block'] as const);
  return action === undefined ? (r() < 0.5 ? undefined : { action, hits: [] }) : { action, hits: [{ list: 'device', action, value: 'dev_1' }] };
}

describe('decide with the plan gives exactly the Decision of running every rule', () => {
  it('on 300 random rule sets of 1..60 rules, 40 random payments each', () => {
    const r = seeded(20261203);
    let decisions = 0, fired = 0, errors = 0, answered = 0, total = 0;
    for (let set = 0; set < 300; set++) {
      const c = ruleSet(r, int(r, 1, 60));
      expect(c.plan).toBeDefined();
      for (let p = 0; p < 40; p++) {
        const a = payment(r), h = hits(r);
        const want = decideEveryRule(c, a, h);
        const got = decide(c, a, h);
        // JSON first (also holds key order); on a difference, a diff that names the rules and payment.
        if (JSON.stringify(got) !== JSON.stringify(want)) expect({ rules: c.rules.map((x) => x.when), attributes: a, got }).toEqual({ rules: c.rules.map((x) => x.when), attributes: a, got: want });
        decisions++;
        fired += want.rules.length;
        errors += want.errors.length;
        // How much the plan settles without running a rule (skipped, or fired on its guards alone).
        const bits = c.plan!.select(a), w = c.plan!.words;
        for (let i = 0; i < c.rules.length; i++) {
          total++;
          if ((bits[i >> 5]! >>> (i & 31)) & 1 || !((bits[w + (i >> 5)]! >>> (i & 31)) & 1)) answered++;
        }
      }
    }
    // The inputs exercise both outcomes and errors, and the plan really answers most rules.
    expect(decisions).toBe(12_000);
    expect(fired).toBeGreaterThan(decisions);
    expect(errors).toBeGreaterThan(decisions / 4);
    expect(answered / total).toBeGreaterThan(0.6);
  });

  it('on large sets too, where long guard lists mark by blocks (plan.ts LONG)', () => {
    const r = seeded(7);
    // Half the conjuncts on one subject, so its lists run to hundreds of guards.
    const amountFirst = (rr: Rand) => `amount ${pick(rr, OPS)} ${int(rr, 0, 300)}${rr() < 0.5 ? ` && ${when(rr)}` : ''}`;
    for (let set = 0; set < 6; set++) {
      const rules: RiskRule[] = Array.from({ length: int(r, 300, 700) }, (_, i) => ({ name: `r${i}`, when: r() < 0.7 ? amountFirst(r) : when(r), action: pick(r, ['allow', 'review', 'block'] as const), mode: r() < 0.2 ? 'shadow' : 'active' }));
      const c = compileRules(rules, { force: true });
      for (let p = 0; p < 60; p++) {
        const a = { ...payment(r), amount: r() < 0.9 ? int(r, -5, 305) : Number.NaN } as Attributes, h = hits(r);
        const want = decideEveryRule(c, a, h), got = decide(c, a, h);
        if (JSON.stringify(got) !== JSON.stringify(want)) expect({ set, payment: a, got }).toEqual({ set, payment: a, got: want });
      }
    }
  });

  it('keeps errors when a guard cannot answer, and drops none that && absorbs', () => {
    const c = compileRules([
      { name: 'absorbed', when: 'device_id == "x" && amount > 100', action: 'review', mode: 'active' },
      { name: 'div', when: 'amount > 100 && amount / velocity.ip.count_1m > 1', action: 'block', mode: 'active' },
      { name: 'big', when: 'amount > 100', action: 'review', mode: 'shadow' },
    ], { force: true });
    const base = { currency: 'CNY', method: 'm', merchant_id: 'm', hour: 1, velocity: { ip: { count_1m: 0 } } };
    const small = { ...base, amount: 50 } as Attributes, big = { ...base, amount: 500 } as Attributes;
    for (const a of [small, big]) expect(decide(c, a)).toEqual(decideEveryRule(c, a));
    expect(decide(c, small).errors).toEqual([]);
    expect(decide(c, big).errors).toEqual([{ name: 'absorbed', message: 'attribute device_id is missing' }, { name: 'div', message: 'division by zero' }]);
    expect(decide(c, big).rules).toEqual([{ name: 'big', action: 'review', mode: 'shadow' }]);
  });

  it('a set without its own plan (built by hand, or with other rules) runs every rule', () => {
    const c = compileRules([
      { name: 'a', when: 'amount > 100', action: 'review', mode: 'active' },
      { name: 'b', when: 'amount > 1000', action: 'block', mode: 'active' },
    ]);
    const a = { amount: 5000, currency: 'CNY', method: 'm', merchant_id: 'm', hour: 1 } as Attributes;
    expect(decide({ rules: c.rules }, a)).toEqual(decide(c, a));
    expect(decide({ ...c, rules: c.rules.slice(1) }, a).rules).toEqual([{ name: 'b', action: 'block', mode: 'active' }]);
  });
});
