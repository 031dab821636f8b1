/**
 * The closures must answer exactly as the CEL library does: the same rules, compiled both
 * ways, on random payments (including missing attributes), fire or fail alike.
 */
import { describe, expect, it } from 'vitest';
import type { Attributes } from './attributes.js';
import { compileRules, type CompiledRule } from './rules.js';

const EXPRESSIONS = [
  'amount > 5000', 'amount >= 5000 && currency == "USD"', '5000 < amount', 'amount / 3 == 1666', 'amount % 7 == 3',
  'velocity.customer.count_1h + velocity.ip.count_1h > 4', 'amount * 2 - 10 >= 10000', '-amount < -9000',
  'method in ["paypal", "stripe"]', '!(method in ["paypal"])', 'payer_country != ip_country',
  'profile.amount_zscore > 2.5', 'profile.amount_zscore * 2.0 > 3.0', 'amount > 1000.5', 'amount == 5000',
  '!profile.usual_hour && hour < 6', 'profile.usual_method || amount > 9000', 'has(profile.usual_hour) && profile.usual_hour',
  'customer.email.endsWith("@evil.com")', 'customer.email.startsWith("a")', 'customer.email.contains("x")', 'size(currency) == 3',
  'device_id == "dev_1" || amount < 100', 'velocity.device.count_1m > 0 && false', 'amount > 10 ? hour > 12 : hour < 3',
  'amount / velocity.ip.count_1m > 1000', 'limits.customer_day_amount + amount > 10000', 'graph.hops_to_blocked <= 1',
  'false || velocity.email.count_24h >= 3', 'currency + method == "USDpaypal"',
];

function rand(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

function payments(n: number): Attributes[] {
  const r = rand(7);
  const maybe = <T>(v: T): T | undefined => (r() < 0.2 ? undefined : v);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  return Array.from({ length: n }, () => ({
    amount: Math.floor(r() * 10_000), currency: pick(['USD', 'CNY', 'EUR']), method: pick(['paypal', 'stripe', 'alipay_qr']), merchant_id: 'm', hour: Math.floor(r() * 24),
    ...(r() < 0.8 ? { customer: { email: pick(['a@evil.com', 'bob@x.org', 'xa@b.co']) } } : {}),
    ...(r() < 0.5 ? { device_id: pick(['dev_1', 'dev_2']) } : {}),
    payer_country: maybe(pick(['CN', 'US'])), ip_country: maybe(pick(['CN', 'US'])),
    velocity: { customer: { count_1h: Math.floor(r() * 4) }, ip: { count_1h: Math.floor(r() * 4), count_1m: Math.floor(r() * 2) }, device: { count_1m: 1 }, email: {} },
    limits: r() < 0.5 ? { customer_day_amount: Math.floor(r() * 10_000) } : {},
    graph: { hops_to_blocked: pick([0, 1, 2, 1_000_000]) },
    profile: r() < 0.7 ? { amount_zscore: r() * 6 - 2, usual_hour: r() < 0.5, usual_method: r() < 0.5 } : {},
  } as Attributes));
}

const outcome = (r: CompiledRule, a: Attributes) => {
  try {
    return r.evaluate(a, { attrs: a, cel: undefined });
  } catch {
    return 'error';
  }
};

describe('closures agree with the CEL library', () => {
  const rules = EXPRESSIONS.map((when, i) => ({ name: `e${i}`, when, action: 'review', mode: 'shadow' }));
  const fast = compileRules(rules);
  const slow = compileRules(rules, { engine: 'cel' });

  it('compiles every expression of the subset to closures', () => {
    expect(fast.rules.filter((r) => r.engine !== 'closure').map((r) => r.when)).toEqual([]);
    expect(slow.rules.every((r) => r.engine === 'cel')).toBe(true);
  });

  it('on 400 random payments, every expression fires, stays quiet or fails exactly as the library does', () => {
    const differences: string[] = [];
    const seen = new Set<string>();
    for (const a of payments(400)) {
      fast.rules.forEach((r, i) => {
        const got = outcome(r, a), want = outcome(slow.rules[i]!, a);
        seen.add(`${i}:${String(want)}`);
        if (got !== want) differences.push(`${r.when} on ${JSON.stringify(a)}: closures ${String(got)}, library ${String(want)}`);
      });
    }
    expect(differences.slice(0, 5)).toEqual([]);
    // The inputs exercise both answers of most expressions (else agreement would prove little).
    const both = EXPRESSIONS.filter((_, i) => seen.has(`${i}:true`) && seen.has(`${i}:false`));
    expect(both.length).toBeGreaterThan(EXPRESSIONS.length * 0.8);
  });

  it('absorbs an error when the other side of && / || decides, as CEL does', () => {
    const c = compileRules([
      { name: 'and', when: 'device_id == "x" && amount > 100', action: 'review', mode: 'shadow' },
      { name: 'or', when: 'device_id == "x" || amount > 100', action: 'review', mode: 'shadow' },
    ]);
    const a = { amount: 50, currency: 'CNY', method: 'm', merchant_id: 'm', hour: 1 } as Attributes;
    const b = { ...a, amount: 500 };
    expect(outcome(c.rules[0]!, a)).toBe(false); // error && false → false
    expect(outcome(c.rules[0]!, b)).toBe('error'); // error && true → error
    expect(outcome(c.rules[1]!, b)).toBe(true); // error || true → true
    expect(outcome(c.rules[1]!, a)).toBe('error'); // error || false → error
  });
});
