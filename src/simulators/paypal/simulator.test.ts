import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaypalSimulator, type RegisteredPaypalApp } from './index.js';
import { crc32 } from './keys.js';

describe('paypal simulator', () => {
  let app: FastifyInstance;
  let sim: PaypalSimulator;
  let creds: RegisteredPaypalApp;
  let token = '';
  const call = async (method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const r = await app.inject({ method, url: `/sandbox/paypal${url}`, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
    return { status: r.statusCode, body: r.json<Record<string, unknown>>() };
  };

  beforeAll(async () => {
    sim = new PaypalSimulator({ publicBaseUrl: () => 'http://sim.test/sandbox/paypal', timeScale: 0.001, log: () => undefined });
    app = Fastify();
    await app.register(sim.plugin, { prefix: '/sandbox/paypal' });
    creds = sim.registerApp();
    const t = await app.inject({ method: 'POST', url: '/sandbox/paypal/v1/oauth2/token', headers: { authorization: `Basic ${Buffer.from(`${creds.client_id}:${creds.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' });
    token = t.json<{ access_token: string }>().access_token;
  });
  afterAll(async () => {
    await app.close();
    await sim.close();
  });

  it('crc32 check value', () => expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926));

  it('401 on a bad token, wrong secret', async () => {
    expect((await call('GET', '/v2/checkout/orders/X', undefined, { authorization: 'Bearer nope' })).status).toBe(401);
    const r = await app.inject({ method: 'POST', url: '/sandbox/paypal/v1/oauth2/token', headers: { authorization: `Basic ${Buffer.from(`${creds.client_id}:x`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' });
    expect(r.statusCode).toBe(401);
  });

  it('orders: PayPal-Request-Id replays, capture only after approval and only once, refunds bounded', async () => {
    const body = { intent: 'CAPTURE', purchase_units: [{ custom_id: 'ref1', amount: { currency_code: 'JPY', value: '500' } }] };
    const a = await call('POST', '/v2/checkout/orders', body, { 'paypal-request-id': 'r1' });
    const b = await call('POST', '/v2/checkout/orders', body, { 'paypal-request-id': 'r1' });
    expect(a.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    expect((await call('POST', '/v2/checkout/orders', { ...body, purchase_units: [{ amount: { currency_code: 'JPY', value: '5.00' } }] })).body.details).toEqual([expect.objectContaining({ issue: 'DECIMAL_PRECISION' })]);
    expect((await call('POST', '/v2/checkout/orders', { ...body, purchase_units: [{ amount: { currency_code: 'KWD', value: '1.000' } }] })).status).toBe(422);
    const id = String(a.body.id);
    expect((await call('POST', `/v2/checkout/orders/${id}/capture`, {}, { 'paypal-request-id': 'c0' })).status).toBe(422);
    sim.pay(id, 'success');
    const c1 = await call('POST', `/v2/checkout/orders/${id}/capture`, {}, { 'paypal-request-id': 'c1' });
    const c2 = await call('POST', `/v2/checkout/orders/${id}/capture`, {}, { 'paypal-request-id': 'c1' });
    expect(c1.status).toBe(201);
    expect(c2.body).toEqual(c1.body);
    const c3 = await call('POST', `/v2/checkout/orders/${id}/capture`, {}, { 'paypal-request-id': 'c2' });
    expect(c3.body.details).toEqual([expect.objectContaining({ issue: 'ORDER_ALREADY_CAPTURED' })]);
    const capId = (c1.body as { purchase_units: Array<{ payments: { captures: Array<{ id: string }> } }> }).purchase_units[0]!.payments.captures[0]!.id;
    expect((await call('POST', `/v2/payments/captures/${capId}/refund`, { amount: { currency_code: 'JPY', value: '200' } })).body.status).toBe('COMPLETED');
    expect((await call('POST', `/v2/payments/captures/${capId}/refund`, { amount: { currency_code: 'JPY', value: '301' } })).body.details).toEqual([expect.objectContaining({ issue: 'REFUND_AMOUNT_EXCEEDED' })]);
    const from = new Date(Date.now() - 60_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const search = await call('GET', `/v1/reporting/transactions?start_date=${from}&end_date=${to}`);
    const codes = (search.body.transaction_details as Array<{ transaction_info: { transaction_event_code: string; transaction_amount: { value: string } } }>).map((t) => [t.transaction_info.transaction_event_code, t.transaction_info.transaction_amount.value]);
    expect(codes).toEqual([['T0006', '500'], ['T1107', '-200']]);
  });
});
