/**
 * Every connector declares what it can charge (limits) and answers amountProblem from it;
 * its create builder never throws — an amount outside the limits comes back as a
 * non-retryable failure and nothing is built.
 */
import { describe, expect, it } from 'vitest';
import { minorUnits } from '../domain/money.js';
import { alipayConnector } from './alipay/index.js';
import { limitProblem } from './limits.js';
import { paypalConnector } from './paypal/index.js';
import { stripeConnector } from './stripe/index.js';
import type { Connector, ConnectorContext } from './types.js';
import { unionpayConnector } from './unionpay/index.js';
import { wechatpayConnector } from './wechatpay/index.js';

const CONNECTORS: Array<Connector<unknown>> = [alipayConnector, wechatpayConnector, unionpayConnector, paypalConnector, stripeConnector] as Array<Connector<unknown>>;

/** The documented ceilings (shared/providers/*.md, stripe.com/docs/currencies). */
const DOCUMENTED_MAX: Record<string, Record<string, number>> = {
  alipay: { CNY: 10_000_000_000 }, // total_amount ≤ 100000000.00
  wechatpay: { CNY: 2_147_483_647 }, // amount.total: int
  unionpay: { CNY: 999_999_999_999 }, // txnAmt N1..12
  stripe: { USD: 99_999_999, JPY: 99_999_999, KWD: 99_999_999 }, // 8 digits
  paypal: { USD: Number.MAX_SAFE_INTEGER, JPY: Number.MAX_SAFE_INTEGER }, // value ≤ 32 characters
};

describe('connector amount limits', () => {
  it.each(CONNECTORS.map((c) => [c.provider, c] as const))('%s: limits cover exactly its currencies and match the documented ceilings', (provider, c) => {
    expect(Object.keys(c.limits).sort()).toEqual([...c.currencies].sort());
    for (const [currency, max] of Object.entries(DOCUMENTED_MAX[provider] ?? {})) expect(c.limits[currency]?.max, `${provider} ${currency}`).toBe(max);
  });

  it.each(CONNECTORS.map((c) => [c.provider, c] as const))('%s: the max is allowed, one more is not, and nothing below 1 or fractional', (provider, c) => {
    for (const [currency, limit] of Object.entries(c.limits)) {
      const step = 10 ** (minorUnits(currency) - limit.exponent);
      expect(c.amountProblem(limit.max - (limit.max % step), currency), `${provider} ${currency} max`).toBeUndefined();
      if (limit.max < Number.MAX_SAFE_INTEGER) expect(c.amountProblem(limit.max + 1, currency), `${provider} ${currency} max+1`).toMatch(/minor units/);
      expect(c.amountProblem(0, currency)).toMatch(/positive/);
      expect(c.amountProblem(1.5, currency)).toMatch(/positive integer/);
    }
    expect(c.amountProblem(100, 'XXX')).toMatch(/not offered/);
  });

  it.each(CONNECTORS.map((c) => [c.provider, c] as const))('%s: create.build returns a failure for an amount out of limits, never throws', (_provider, c) => {
    const cctx = { credentials: {}, baseUrl: 'https://provider.example', notifyUrl: 'https://gw.example/notify/x/y', now: new Date(), accessToken: 't' } as ConnectorContext<unknown>;
    const input = { reference: 'att_01h0000000000000000000000a', currency: c.currencies[0]!, description: 'x', expiresAt: new Date(Date.now() + 60_000), returnUrl: 'https://gw.example/pay/p/return' };
    const limit = c.limits[input.currency]!;
    for (const amount of [0, -5, 1.5, ...(limit.max < Number.MAX_SAFE_INTEGER ? [limit.max + 1] : [])]) {
      let built: unknown;
      expect(() => (built = c.create.build(cctx, { ...input, amount }))).not.toThrow();
      expect(built).toMatchObject({ ok: false, retryable: false });
    }
  });

  it('limitProblem: multiples where the provider carries fewer decimals than ISO 4217', () => {
    const limits = { KWD: { min: 1, max: 1_000_000, exponent: 2 } };
    expect(limitProblem('P', limits, 12_340, 'KWD')).toBeUndefined();
    expect(limitProblem('P', limits, 12_345, 'KWD')).toMatch(/multiples of 10 minor units \(0\.010 KWD\).*12340 or 12350/);
    expect(limitProblem('P', limits, 5, 'KWD')).toMatch(/use 10$/);
    expect(limitProblem('P', limits, 1_000_000 + 1, 'KWD')).toMatch(/from 0\.001 KWD to 1000\.000 KWD/);
  });
});
