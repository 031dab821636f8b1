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

  it('sheds low first, then normal, then high', () => {
    const max = 10;
    expect(shouldShed('low', 4, max)).toBeUndefined();
    expect(shouldShed('low', 5, max)).toBe('low');
    expect(shouldShed(undefined, 7, max)).toBeUndefined();
    expect(shouldShed(undefined, 8, max)).toBe('normal');
    expect(shouldShed('bogus', 8, max)).toBe('normal');
    expect(shouldShed('high', 9, max)).toBeUndefined();
    expect(shouldShed('high', 10, max)).toBe('high');
    // Which requests are counted at all (merchant API only) is http/admission.ts's: see admission.test.ts.
  });
});
