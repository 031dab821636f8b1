import { describe, expect, it } from 'vitest';
import { PaygateError } from '../errors.js';
import { ATTRIBUTE_PATHS, ATTRIBUTE_SCHEMA, attributeProblems, validateAttributes } from './attributes.js';
import { SAMPLE_PAYMENTS } from './samples.js';

const base = { amount: 1000, currency: 'CNY', method: 'alipay_qr', merchant_id: 'mer_1', hour: 10 };

describe('attribute schema', () => {
  it('lists every attribute of the brief once, with its type', () => {
    expect(ATTRIBUTE_PATHS).toHaveLength(12 + 4 * 2 * 3 + 8 + 4 + 4);
    expect(ATTRIBUTE_SCHEMA['velocity.email.amount_24h']).toMatchObject({ type: 'int' });
    expect(ATTRIBUTE_SCHEMA['limits.merchant_month_count']).toMatchObject({ type: 'int' });
    expect(ATTRIBUTE_SCHEMA['graph.hops_to_blocked']).toMatchObject({ type: 'int' });
    expect(ATTRIBUTE_SCHEMA['profile.amount_zscore']).toMatchObject({ type: 'double' });
    expect(ATTRIBUTE_SCHEMA['profile.usual_method']).toMatchObject({ type: 'bool' });
    expect(ATTRIBUTE_SCHEMA['customer.phone']).toMatchObject({ type: 'string', required: false });
    expect(ATTRIBUTE_SCHEMA.amount).toMatchObject({ type: 'int', required: true });
  });

  it('accepts the sample payments and a bare payment', () => {
    for (const s of SAMPLE_PAYMENTS) expect(attributeProblems(s)).toEqual([]);
    expect(validateAttributes(base)).toBe(base);
  });

  it('rejects junk names, wrong types, out-of-range ints and missing required attributes', () => {
    const bad = { ...base, amount: 10.5, hour: 24, velocity: { customer: { count_2h: 1 } }, colour: 'red', profile: { usual_hour: 'yes' } } as Record<string, unknown>;
    delete bad.currency;
    const paths = attributeProblems(bad).map((p) => p.path).sort();
    expect(paths).toEqual(['amount', 'colour', 'currency', 'hour', 'profile.usual_hour', 'velocity.customer.count_2h'].sort());
    try {
      validateAttributes(bad);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PaygateError);
      expect((err as PaygateError).code).toBe('RISK.INVALID_ATTRIBUTES');
      expect((err as PaygateError).message).toContain('colour is not an attribute');
    }
  });
});
