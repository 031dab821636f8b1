/** The priority policy: header parsing, grants, class shares, what a node sheds. */
import { describe, expect, it } from 'vitest';
import { PaygateError } from '../domain/errors.js';
import { allowedPriorities, classCap, parsePriority, shouldShed } from './rate-limit.js';

describe('priority policy', () => {
  it('reads Paygate-Priority; absent is normal; anything else is a 400 on that header', () => {
    expect(parsePriority(undefined)).toBe('normal');
    expect(parsePriority('high')).toBe('high');
    expect(parsePriority(' Low ')).toBe('low');
    for (const bad of ['urgent', '', 'high,low', ['high', 'low']]) {
      let err: unknown;
      try {
        parsePriority(bad);
      } catch (e) {
        err = e;
      }
      expect(err, String(bad)).toBeInstanceOf(PaygateError);
      expect((err as PaygateError).code).toBe('VALIDATION.INVALID_HEADER');
      expect((err as PaygateError).field).toBe('Paygate-Priority');
    }
  });

  it('grants normal and low by default; high only when stored', () => {
    expect(allowedPriorities(null)).toEqual(['normal', 'low']);
    expect(allowedPriorities('high,normal,low')).toEqual(['high', 'normal', 'low']);
    expect(allowedPriorities('low')).toEqual(['low']);
  });

  it('gives low half of a key\'s budget, normal 80 %, high all of it, and every class at least one', () => {
    expect([classCap(20, 'low'), classCap(20, 'normal'), classCap(20, 'high')]).toEqual([10, 16, 20]);
    expect([classCap(1, 'low'), classCap(1, 'normal'), classCap(1, 'high')]).toEqual([1, 1, 1]);
  });

  it('sheds low first, then normal, then high, and never buyers, notifications, health or simulators', () => {
    const max = 10;
    expect(shouldShed('/v1/payments', 'low', 4, max)).toBeUndefined();
    expect(shouldShed('/v1/payments', 'low', 5, max)).toBe('low');
    expect(shouldShed('/v1/payments', undefined, 7, max)).toBeUndefined();
    expect(shouldShed('/v1/payments', undefined, 8, max)).toBe('normal');
    expect(shouldShed('/v1/payments', 'bogus', 8, max)).toBe('normal');
    expect(shouldShed('/v1/payments', 'high', 9, max)).toBeUndefined();
    expect(shouldShed('/admin/merchants', 'high', 10, max)).toBe('high');
    for (const url of ['/pay/pay_1', '/pay/pay_1/events', '/notify/alipay/pa_1', '/healthz', '/readyz', '/metrics', '/sandbox/alipay/gateway.do']) {
      expect(shouldShed(url, 'low', 1000, max), url).toBeUndefined();
    }
    expect(shouldShed('/payments', 'low', 1000, max)).toBe('low');
  });
});
