import { describe, expect, it } from 'vitest';
import { formatMinor, parseMinor, minorUnits, isSupportedCurrency } from './money.js';

describe('money', () => {
  it('formats minor units per currency exponent', () => {
    expect(formatMinor(8888, 'CNY')).toBe('88.88');
    expect(formatMinor(1, 'CNY')).toBe('0.01');
    expect(formatMinor(10, 'USD')).toBe('0.10');
    expect(formatMinor(500, 'JPY')).toBe('500');
    expect(formatMinor(1234, 'KWD')).toBe('1.234');
    expect(formatMinor(5, 'KWD')).toBe('0.005');
    expect(formatMinor(-150, 'CNY')).toBe('-1.50');
    expect(formatMinor(10000000000, 'CNY')).toBe('100000000.00');
  });
  it('parses decimal strings exactly, rejecting extra precision and junk', () => {
    expect(parseMinor('88.88', 'CNY')).toBe(8888);
    expect(parseMinor('88.8', 'CNY')).toBe(8880);
    expect(parseMinor('88', 'CNY')).toBe(8800);
    expect(parseMinor('0.01', 'CNY')).toBe(1);
    expect(parseMinor('-1.50', 'CNY')).toBe(-150);
    expect(parseMinor('500', 'JPY')).toBe(500);
    expect(parseMinor('1.234', 'KWD')).toBe(1234);
    expect(parseMinor('0.1', 'JPY')).toBeNull();
    expect(parseMinor('88.881', 'CNY')).toBeNull();
    expect(parseMinor('1e3', 'CNY')).toBeNull();
    expect(parseMinor(' 1.00', 'CNY')).toBeNull();
    expect(parseMinor('01.00', 'CNY')).toBeNull();
    expect(parseMinor('', 'CNY')).toBeNull();
  });
  it('round-trips values that floats get wrong', () => {
    for (const n of [1, 7, 29, 57, 110, 999999999, 1005, 4.35e2]) {
      expect(parseMinor(formatMinor(n, 'CNY'), 'CNY')).toBe(n);
    }
  });
  it('knows exponents and rejects unknown currencies', () => {
    expect(minorUnits('KRW')).toBe(0);
    expect(isSupportedCurrency('XXX')).toBe(false);
    expect(() => minorUnits('XXX')).toThrow();
  });
});
