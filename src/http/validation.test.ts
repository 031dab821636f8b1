/**
 * Validation answers (issue 13, fault 6): every problem of a request at once in `errors`,
 * each saying what to send instead (amounts: integer minor units); a malformed path id is
 * VALIDATION.INVALID_PATH; a body that is not JSON is 415.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sandboxMerchant, startGateway, type Gateway } from '../test-support/harness.js';
import { check, minorUnitsMessage, problemsOf } from './validation.js';
import { createPaymentBody } from './schemas.js';

type Problem = { field: string; code: string; message: string };
type Answer = { error: { code: string; message: string; field?: string }; errors?: Problem[] };

describe('validation messages (unit)', () => {
  it('says what to send for an amount in major units, in the currency given', () => {
    expect(minorUnitsMessage(88.88, 'CNY')).toContain('e.g. 8888 for 88.88 CNY');
    expect(minorUnitsMessage(12.5, 'USD')).toContain('e.g. 1250 for 12.5 USD');
    expect(minorUnitsMessage('10', 'CNY')).toContain('e.g. 8888 for 88.88 CNY');
  });

  it('keeps a schema\'s own message and rewrites zod\'s defaults', () => {
    const r = check(createPaymentBody, { amount: 1, currency: 'cny', method: 'alipay_qr', merchant_order_id: 'A' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(problemsOf(r.issues, {})).toEqual([{ field: 'currency', code: 'invalid_format', message: 'ISO 4217 code in upper case, e.g. CNY' }]);
    const s = check(z.object({ n: z.number().max(5), tags: z.array(z.string()).min(1), kind: z.enum(['a', 'b']) }), { n: 9, tags: [], kind: 'c' });
    if (s.ok) throw new Error('expected problems');
    expect(problemsOf(s.issues, {}).map((p) => p.message)).toEqual(['send a number of at most 5', 'send at least 1 item', 'send one of: "a", "b"']);
  });
});

describe('validation answers over HTTP', () => {
  let gw: Gateway;
  let key: string;
  beforeAll(async () => {
    gw = await startGateway({ db: 'sqlite' });
    key = (await sandboxMerchant(gw)).key;
  }, 60_000);
  afterAll(async () => gw?.stop());

  it('reports every problem of a body at once, each with what to send instead', async () => {
    const r = await gw.api<Answer>(key, 'POST', '/v1/payments', { amount: 88.88, currency: 'CNY', method: 'cash', merchant_order_id: 'has space', colour: 'red' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION.INVALID_BODY');
    expect(r.body.error.field).toBe('amount');
    const byField = Object.fromEntries((r.body.errors ?? []).map((p) => [p.field, p]));
    expect(Object.keys(byField).sort()).toEqual(['amount', 'colour', 'merchant_order_id', 'method']);
    expect(byField.amount).toEqual({ field: 'amount', code: 'invalid_type', message: expect.stringContaining('integer number of minor units') });
    expect(byField.amount!.message).toContain('e.g. 8888 for 88.88 CNY');
    expect(byField.method!.message).toMatch(/^send one of: "alipay_qr", /);
    expect(byField.merchant_order_id!.message).toBe('letters, digits and _ - . : only');
    expect(byField.colour!.code).toBe('unknown_field');
    expect(r.body.error.message).toMatch(/^4 problems: amount: send an integer number of minor units/);
  });

  it('names missing fields as required', async () => {
    const r = await gw.api<Answer>(key, 'POST', '/v1/payments', {});
    expect(r.status).toBe(400);
    expect(r.body.errors?.map((p) => `${p.field}:${p.code}`).sort()).toEqual(['amount:required', 'currency:required', 'merchant_order_id:required', 'method:required']);
    expect(r.body.errors?.find((p) => p.field === 'amount')?.message).toBe('required: send a number');
  });

  it('answers a malformed path id with VALIDATION.INVALID_PATH', async () => {
    const r = await gw.api<Answer>(key, 'GET', '/v1/payments/12345');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION.INVALID_PATH');
    expect(r.body.errors).toEqual([{ field: 'id', code: 'invalid_format', message: expect.stringContaining('pay_') }]);
  });

  it('reports path, query and body problems of one request together', async () => {
    const q = await gw.api<Answer>(key, 'GET', '/v1/payments?limit=0&status=paid');
    expect(q.body.error.code).toBe('VALIDATION.INVALID_QUERY');
    expect(q.body.errors?.map((p) => p.field)).toEqual(['limit', 'status']);
    const both = await gw.api<Answer>(key, 'GET', '/v1/payments/nope?refresh=maybe');
    expect(both.body.error.code).toBe('VALIDATION.INVALID_PATH');
    expect(both.body.errors?.map((p) => p.field)).toEqual(['id', 'refresh']);
  });

  it('answers a body that is not JSON with 415', async () => {
    for (const [type, body] of [['application/x-www-form-urlencoded', 'amount=100&currency=CNY'], ['text/plain', '{"amount":100}']] as const) {
      const r = await fetch(`${gw.url}/v1/payments`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': type }, body });
      expect(r.status, type).toBe(415);
      const answer = (await r.json()) as Answer;
      expect(answer.error.code).toBe('VALIDATION.UNSUPPORTED_MEDIA_TYPE');
      expect(answer.error.message).toContain('Content-Type: application/json');
    }
  });
});
