/**
 * Fault 8 of issue 11: an amount a connector would refuse used to pass the schema, write the
 * payment, its attempt and its jobs, and only then fail in the connector — leaving a
 * `requires_action` payment behind. Every connector now declares its limits and the create
 * refuses out-of-limit amounts with VALIDATION.AMOUNT_NOT_REPRESENTABLE before anything is
 * written; the largest allowed amount goes through to the provider.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, sandboxMerchant, startGateway, type Gateway } from '../test-support/harness.js';

type Res = { id?: string; status?: string; amount?: number; next_action?: unknown; error?: { code: string; field?: string; message: string } };

/** method, currency, the first amount its provider refuses, the largest it takes. */
const CASES: Array<[string, string, number[], number]> = [
  ['alipay_qr', 'CNY', [10_000_000_001, 1e13], 10_000_000_000],
  ['wechat_native', 'CNY', [2_147_483_648, 1e13], 2_147_483_647],
  ['unionpay_qr', 'CNY', [1_000_000_000_000, 1e13], 999_999_999_999],
  ['stripe', 'USD', [100_000_000, 1e13], 99_999_999],
  ['stripe', 'KWD', [12_345], 12_340],
  // PayPal's value field (≤ 32 characters) carries every amount the API schema allows.
  ['paypal', 'USD', [], 1e13],
];

describe.each(DB_KINDS)('amounts a provider would refuse, on %s', (db) => {
  let gw: Gateway;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;
  let n = 0;
  const create = (method: string, currency: string, amount: number, order = `AL-${db}-${++n}`) =>
    gw.api<Res>(m.key, 'POST', '/v1/payments', { amount, currency, method, merchant_order_id: order, description: 'limits' });
  const rows = async () => {
    const count = async (table: 'payments' | 'attempts' | 'jobs' | 'idempotency_keys') =>
      Number((await gw.rt.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll().as('c')).executeTakeFirstOrThrow()).c);
    return { payments: await count('payments'), attempts: await count('attempts'), jobs: await count('jobs') };
  };

  beforeAll(async () => {
    gw = await startGateway({ db });
    m = await sandboxMerchant(gw);
  });
  afterAll(async () => gw?.stop());

  it.each(CASES.filter((c) => c[2].length > 0))('%s %s: over the limit → 400 VALIDATION.AMOUNT_NOT_REPRESENTABLE and no payment, attempt or job row', async (method, currency, over) => {
    for (const amount of over) {
      const before = await rows();
      const order = `AL-${db}-over-${++n}`;
      const res = await create(method, currency, amount, order);
      expect(res.status, `${method} ${amount}`).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION.AMOUNT_NOT_REPRESENTABLE', field: 'amount' });
      expect(res.body.error?.message).toMatch(/minor units/);
      expect(await rows()).toEqual(before);
      const left = await gw.rt.ctx.db.selectFrom('payments').select('id').where('merchant_order_id', '=', order).execute();
      expect(left).toEqual([]);
      // The refusal is not remembered either: the same order id with a valid amount is a fresh create.
      const again = await create(method, currency, 100 * (currency === 'KWD' ? 10 : 1), order);
      expect(again.status).toBe(201);
    }
  });

  it.each(CASES)('%s %s: the largest allowed amount is accepted', async (method, currency, _over, max) => {
    const res = await create(method, currency, max);
    expect(res.status, JSON.stringify(res.body.error)).toBe(201);
    expect(res.body).toMatchObject({ amount: max, status: 'requires_action' });
    expect(res.body.next_action).not.toBeNull();
  });
});
