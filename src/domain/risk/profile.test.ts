import { describe, expect, it } from 'vitest';
import { emptyProfile, profileFacts, profileMean, profileStdDev, updateProfile, type BehaviourProfile } from './profile.js';

function build(amounts: number[], hour = 14, method = 'alipay_qr'): BehaviourProfile {
  return amounts.reduce((p, amount) => updateProfile(p, { amount, currency: 'CNY', hour, method }), emptyProfile('CNY'));
}

describe('behaviour profile', () => {
  it('keeps an exact integer total and Welford M2 equal to the two-pass variance', () => {
    const xs = [1200, 950, 3000, 1100, 1000, 875, 2500];
    const p = build(xs);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
    expect(p.payments).toBe(7);
    expect(p.amount_total).toBe(10_625);
    expect(profileMean(p)).toBeCloseTo(mean, 9);
    expect(profileStdDev(p)).toBeCloseTo(Math.sqrt(variance), 6);
  });

  it('stays accurate on large amounts where a sum of squares would pass 2^53', () => {
    const xs = Array.from({ length: 500 }, (_, i) => 9_000_000_000 + (i % 2 === 0 ? 1000 : -1000));
    const p = build(xs);
    expect(p.amount_total).toBe(4_500_000_000_000);
    expect(profileStdDev(p)).toBeCloseTo(1001, 0);
  });

  it('does not change the profile it is given', () => {
    const p = build([100, 200]);
    const copy = structuredClone(p);
    updateProfile(p, { amount: 999, currency: 'CNY', hour: 3, method: 'paypal' });
    expect(p).toEqual(copy);
  });

  it('says nothing below 5 payments, then scores the amount, hour and method', () => {
    const four = build([1000, 1000, 1000, 1000]);
    expect(profileFacts(four, 1_000_000, 3, 'paypal')).toEqual({ amount_zscore: 0, usual_hour: true, usual_method: true, payments: 4 });
    const p = build([1000, 1100, 900, 1000, 1050, 950]);
    const f = profileFacts(p, 1000 + 3 * profileStdDev(p), 14, 'alipay_qr');
    expect(f.amount_zscore).toBeCloseTo(3, 6);
    expect(f.usual_hour).toBe(true);
    expect(f.usual_method).toBe(true);
    expect(profileFacts(p, 1000, 13, 'alipay_qr').usual_hour).toBe(true); // a neighbouring hour
    expect(profileFacts(p, 1000, 3, 'alipay_qr').usual_hour).toBe(false);
    expect(profileFacts(p, 1000, 14, 'paypal').usual_method).toBe(false);
    expect(profileFacts(p, 1000, 14, 'alipay_qr', 'USD').amount_zscore).toBe(0); // another currency says nothing
  });

  it('floors the deviation so a constant spender is not infinitely unusual', () => {
    const p = build([1000, 1000, 1000, 1000, 1000]);
    expect(profileFacts(p, 1001, 14, 'alipay_qr').amount_zscore).toBeCloseTo(1 / 50, 9);
    expect(profileFacts(p, 1500, 14, 'alipay_qr').amount_zscore).toBeCloseTo(10, 9);
  });

  it('refuses a payment in another currency or with a bad amount or hour', () => {
    const p = emptyProfile('CNY');
    expect(() => updateProfile(p, { amount: 1, currency: 'USD', hour: 1, method: 'm' })).toThrow(/one profile per customer and currency/);
    expect(() => updateProfile(p, { amount: 1.5, currency: 'CNY', hour: 1, method: 'm' })).toThrow(/minor units/);
    expect(() => updateProfile(p, { amount: 1, currency: 'CNY', hour: 24, method: 'm' })).toThrow(/0..23/);
  });
});
