import { describe, expect, it } from 'vitest';
import { seeded } from '../test-support/seeded.js';
import { matchRule, routeCandidates, ruleProblems, weightedOrder, type RoutingRule } from './routing.js';

const acc = (...ids: string[]) => ids.map((provider_account_id) => ({ provider_account_id }));
const never = () => {
  throw new Error('ordered rules must not draw random numbers');
};

describe('routing rules: matching', () => {
  const rules: RoutingRule[] = [
    { method: 'alipay_qr', strategy: 'ordered', accounts: acc('pa_big'), conditions: { min_amount: 100_000 } },
    { method: 'alipay_qr', strategy: 'ordered', accounts: acc('pa_hk'), conditions: { payer_countries: ['HK', 'MO'] } },
    { method: 'stripe', strategy: 'ordered', accounts: acc('pa_eur'), conditions: { currencies: ['EUR'], max_amount: 5000 } },
    { method: 'alipay_qr', strategy: 'ordered', accounts: acc('pa_a', 'pa_b') },
  ];
  const facts = { method: 'alipay_qr', currency: 'CNY', amount: 100 };

  it('takes the first rule whose method and conditions match', () => {
    expect(routeCandidates(rules, facts, never)).toEqual(['pa_a', 'pa_b']);
    expect(routeCandidates(rules, { ...facts, amount: 100_000 }, never)).toEqual(['pa_big']); // bounds are inclusive
    expect(routeCandidates(rules, { ...facts, amount: 99_999 }, never)).toEqual(['pa_a', 'pa_b']);
    expect(routeCandidates(rules, { ...facts, payerCountry: 'MO' }, never)).toEqual(['pa_hk']);
    expect(routeCandidates(rules, { ...facts, payerCountry: 'CN' }, never)).toEqual(['pa_a', 'pa_b']);
  });

  it('a country condition never matches a payment without a country', () => {
    expect(matchRule(rules.slice(1, 2), facts)).toBeUndefined();
  });

  it('currency and amount range must both hold; no matching rule means no opinion', () => {
    expect(routeCandidates(rules, { method: 'stripe', currency: 'EUR', amount: 5000 }, never)).toEqual(['pa_eur']);
    expect(routeCandidates(rules, { method: 'stripe', currency: 'EUR', amount: 5001 }, never)).toBeUndefined();
    expect(routeCandidates(rules, { method: 'stripe', currency: 'USD', amount: 100 }, never)).toBeUndefined();
    expect(routeCandidates([], facts, never)).toBeUndefined();
  });
});

describe('routing rules: weighted order', () => {
  it('draws without replacement: every account exactly once', () => {
    const rng = seeded(1);
    for (let i = 0; i < 50; i++) {
      const order = weightedOrder([{ provider_account_id: 'a', weight: 5 }, { provider_account_id: 'b', weight: 1 }, { provider_account_id: 'c', weight: 2 }], rng);
      expect([...order].sort()).toEqual(['a', 'b', 'c']);
    }
  });

  it('puts each account first in proportion to its weight, and the rest in proportion among themselves', () => {
    const rng = seeded(20240601);
    const accounts = [{ provider_account_id: 'a', weight: 6 }, { provider_account_id: 'b', weight: 3 }, { provider_account_id: 'c', weight: 1 }];
    const first: Record<string, number> = { a: 0, b: 0, c: 0 };
    let bSecondAfterA = 0;
    let aFirst = 0;
    const N = 1000;
    for (let i = 0; i < N; i++) {
      const order = weightedOrder(accounts, rng);
      first[order[0] as string]! += 1;
      if (order[0] === 'a') {
        aFirst++;
        if (order[1] === 'b') bSecondAfterA++;
      }
    }
    // Expected 600 / 300 / 100; ±60 is beyond 4 standard deviations for each.
    expect(Math.abs(first.a! - 600)).toBeLessThan(60);
    expect(Math.abs(first.b! - 300)).toBeLessThan(60);
    expect(Math.abs(first.c! - 100)).toBeLessThan(40);
    // Given a first, b is second with probability 3 / (3 + 1).
    expect(Math.abs(bSecondAfterA / aFirst - 0.75)).toBeLessThan(0.07);
  });

  it('ordered rules keep list order', () => {
    expect(routeCandidates([{ method: 'paypal', strategy: 'ordered', accounts: acc('z', 'y', 'x') }], { method: 'paypal', currency: 'USD', amount: 1 }, never)).toEqual(['z', 'y', 'x']);
  });
});

describe('routing rules: problems', () => {
  it('locates duplicates, missing or stray weights and an empty amount range', () => {
    const problems = ruleProblems([
      { method: 'alipay_qr', strategy: 'ordered', accounts: acc('a') },
      { method: 'alipay_qr', strategy: 'weighted', accounts: [{ provider_account_id: 'a', weight: 1 }, { provider_account_id: 'b' }, { provider_account_id: 'a', weight: 2 }], conditions: { min_amount: 10, max_amount: 9 } },
      { method: 'alipay_qr', strategy: 'ordered', accounts: [{ provider_account_id: 'a', weight: 2 }] },
    ]);
    expect(problems.map((p) => p.field)).toEqual([
      'rules.1.accounts.1.weight',
      'rules.1.accounts.2.provider_account_id',
      'rules.1.conditions.min_amount',
      'rules.2.accounts.0.weight',
    ]);
    expect(ruleProblems([{ method: 'alipay_qr', strategy: 'ordered', accounts: acc('a'), conditions: { min_amount: 5, max_amount: 5 } }])).toEqual([]);
  });
});
