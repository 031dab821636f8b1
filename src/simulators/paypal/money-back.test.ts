/**
 * The simulator's dashboard refunds, reversals and disputes: each sends the webhook PayPal
 * sends (signed, verified here by the gateway's connector over the received bytes, so the
 * contract between the two is tested), and GET on the capture / order / dispute reflects it.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paypalConnector } from '../../connectors/paypal/index.js';
import { startReceiver, waitFor } from '../../test-support/harness.js';
import { PaypalSimulator, type RegisteredPaypalApp } from './index.js';

type Json = Record<string, unknown>;
type Capture = { id: string; status: string; status_details?: { reason: string } };
type Order = { purchase_units: Array<{ payments: { captures: Capture[]; refunds?: Array<{ id: string; custom_id?: string; amount: { value: string } }> } }> };
const BASE = 'http://sim.test/sandbox/paypal';

describe('paypal simulator: dashboard refunds, reversals, disputes', () => {
  let app: FastifyInstance;
  let sim: PaypalSimulator;
  let creds: RegisteredPaypalApp;
  let inbox: Awaited<ReturnType<typeof startReceiver>>;
  let token = '';
  let n = 0;
  const call = async (method: 'GET' | 'POST', url: string, body?: unknown, auth = true) => {
    const r = await app.inject({ method, url: `/sandbox/paypal${url}`, headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
    return { status: r.statusCode, body: r.json<Json>() };
  };
  /** A paid order of `value` USD: its order and capture ids. */
  const paid = async (value: string) => {
    const ref = `att_${++n}`;
    const o = await call('POST', '/v2/checkout/orders', { intent: 'CAPTURE', purchase_units: [{ custom_id: ref, invoice_id: ref, amount: { currency_code: 'USD', value } }] });
    const orderId = String(o.body.id);
    sim.pay(orderId, 'success');
    const c = (await call('POST', `/v2/checkout/orders/${orderId}/capture`, {})).body as unknown as Order;
    return { ref, orderId, captureId: c.purchase_units[0]!.payments.captures[0]!.id };
  };
  /** The webhook of this type about `needle`, verified by the connector as the gateway would. */
  const webhook = async (type: string, needle: string) => {
    const got = await waitFor(() => inbox.received.find((r) => r.body.includes(`"event_type":"${type}"`) && r.body.includes(needle)), { what: `${type} about ${needle}` });
    const ctx = { credentials: { clientId: creds.client_id, clientSecret: creds.client_secret, webhookId: creds.webhook_id }, baseUrl: BASE, notifyUrl: inbox.url, now: new Date() };
    const inbound = { headers: got.headers, rawBody: got.body, contentType: 'application/json' };
    expect(paypalConnector.notificationMaterial!(ctx, inbound)).toMatchObject({ ok: true });
    return paypalConnector.verifyNotification(ctx, inbound, { status: 200, headers: {}, body: sim.keys.certPem });
  };

  beforeAll(async () => {
    sim = new PaypalSimulator({ publicBaseUrl: () => BASE, timeScale: 0.001, log: () => undefined });
    app = Fastify();
    await app.register(sim.plugin, { prefix: '/sandbox/paypal' });
    creds = sim.registerApp();
    inbox = await startReceiver();
    sim.setWebhookUrl(creds.webhook_id, inbox.url);
    const t = await app.inject({ method: 'POST', url: '/sandbox/paypal/v1/oauth2/token', headers: { authorization: `Basic ${Buffer.from(`${creds.client_id}:${creds.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' });
    token = t.json<{ access_token: string }>().access_token;
  });
  afterAll(async () => {
    await app.close();
    await sim.close();
    await inbox.close();
  });

  it('a dashboard refund carries no Paygate key, names its capture, and is listed on the order', async () => {
    const p = await paid('10.00');
    const ours = await call('POST', `/v2/payments/captures/${p.captureId}/refund`, { amount: { currency_code: 'USD', value: '3.00' }, custom_id: `${p.ref}:re_1` });
    expect(ours.status).toBe(201);
    const r = await call('POST', `/_dashboard/captures/${p.orderId}/refund`, { amount: { currency_code: 'USD', value: '2.50' }, custom_id: 'ignored:by-dashboard' }, false);
    expect(r.status).toBe(201);
    expect(r.body.custom_id).toBeUndefined();
    const v = await webhook('PAYMENT.CAPTURE.REFUNDED', String(r.body.id));
    expect(v).toEqual({ ok: true, kind: 'refund', notificationId: expect.stringMatching(/^WH-/), reference: '', providerTransactionId: p.captureId, status: 'succeeded', providerStatus: 'COMPLETED', amount: 250, currency: 'USD', providerRefundId: r.body.id, refundedTotal: 550 });
    expect(await webhook('PAYMENT.CAPTURE.REFUNDED', String(ours.body.id))).toMatchObject({ reference: p.ref, refundReference: 're_1', refundedTotal: 300 });
    const order = (await call('GET', `/v2/checkout/orders/${p.orderId}`)).body as unknown as Order;
    expect(order.purchase_units[0]!.payments.captures[0]!.status).toBe('PARTIALLY_REFUNDED');
    expect(order.purchase_units[0]!.payments.refunds!.map((x) => [x.amount.value, x.custom_id])).toEqual([['3.00', `${p.ref}:re_1`], ['2.50', undefined]]);
    const listed = paypalConnector.listRefunds!.parse({ credentials: { clientId: '', clientSecret: '', webhookId: '' }, baseUrl: BASE, notifyUrl: '', now: new Date() }, { reference: p.ref, providerOrderId: p.orderId, amount: 1000, currency: 'USD' }, { status: 200, headers: {}, body: JSON.stringify(order) });
    expect(listed).toEqual({ ok: true, refunds: [expect.objectContaining({ providerRefundId: ours.body.id, refundReference: 're_1', amount: 300 }), { providerRefundId: r.body.id, amount: 250, currency: 'USD', status: 'succeeded', providerStatus: 'COMPLETED' }] });
    expect((await call('POST', `/_dashboard/captures/${p.captureId}/refund`, { amount: { currency_code: 'USD', value: '4.51' } }, false)).body.details).toEqual([expect.objectContaining({ issue: 'REFUND_AMOUNT_EXCEEDED' })]);
  });

  it('a dispute opens, moves and is resolved for the seller; refunds wait while it is open', async () => {
    const p = await paid('20.00');
    const d = await call('POST', `/_dashboard/captures/${p.captureId}/disputes`, { reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED', amount: { currency_code: 'USD', value: '15.00' } }, false);
    expect(d.status).toBe(201);
    const id = String(d.body.dispute_id);
    expect(id).toMatch(/^PP-D-\d+$/);
    expect(await webhook('CUSTOMER.DISPUTE.CREATED', id)).toEqual({
      ok: true, kind: 'dispute', notificationId: expect.stringMatching(/^WH-/), disputeKind: 'dispute', providerDisputeId: id, status: 'open', providerStatus: 'OPEN',
      amount: 1500, currency: 'USD', providerTransactionId: p.captureId, reference: p.ref, reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED',
    });
    expect(((await call('GET', `/v2/payments/captures/${p.captureId}`)).body as unknown as Capture).status_details).toEqual({ reason: 'BUYER_COMPLAINT' });
    expect((await call('POST', `/v2/payments/captures/${p.captureId}/refund`, {})).body.details).toEqual([expect.objectContaining({ issue: 'TRANSACTION_DISPUTED' })]);
    expect((await call('POST', `/_dashboard/disputes/${id}`, { status: 'UNDER_REVIEW' }, false)).status).toBe(201);
    expect(await webhook('CUSTOMER.DISPUTE.UPDATED', id)).toMatchObject({ status: 'open', providerStatus: 'UNDER_REVIEW' });
    expect((await call('POST', `/_dashboard/disputes/${id}`, { status: 'RESOLVED' }, false)).status).toBe(400);
    expect((await call('POST', `/_dashboard/disputes/${id}/resolve`, { outcome: 'RESOLVED_SELLER_FAVOUR' }, false)).status).toBe(201);
    expect(await webhook('CUSTOMER.DISPUTE.RESOLVED', id)).toMatchObject({ status: 'won', providerStatus: 'RESOLVED/RESOLVED_SELLER_FAVOUR' });
    expect((await call('POST', `/_dashboard/disputes/${id}/resolve`, { outcome: 'RESOLVED_BUYER_FAVOUR' }, false)).body.details).toEqual([expect.objectContaining({ issue: 'DISPUTE_RESOLVED' })]);
    const api = await call('GET', `/v1/customer/disputes/${id}`);
    expect(api.body).toMatchObject({ dispute_id: id, status: 'RESOLVED', dispute_outcome: { outcome_code: 'RESOLVED_SELLER_FAVOUR' } });
    expect(((await call('GET', `/v1/customer/disputes?disputed_transaction_id=${p.captureId}`)).body.items as Json[]).map((x) => x.dispute_id)).toEqual([id]);
    const cap = (await call('GET', `/v2/payments/captures/${p.captureId}`)).body as unknown as Capture;
    expect([cap.status, cap.status_details]).toEqual(['COMPLETED', undefined]);
    expect((await call('POST', `/v2/payments/captures/${p.captureId}/refund`, { amount: { currency_code: 'USD', value: '1.00' } })).status).toBe(201);
  });

  it('a dispute resolved for the buyer takes its amount off the capture', async () => {
    const p = await paid('8.00');
    const id = String((await call('POST', `/_dashboard/captures/${p.captureId}/disputes`, {}, false)).body.dispute_id);
    await call('POST', `/_dashboard/disputes/${id}/resolve`, { outcome: 'RESOLVED_BUYER_FAVOUR' }, false);
    expect(await webhook('CUSTOMER.DISPUTE.RESOLVED', id)).toMatchObject({ status: 'lost', amount: 800 });
    expect(((await call('GET', `/v2/payments/captures/${p.captureId}`)).body as unknown as Capture).status).toBe('REFUNDED');
    expect((await call('POST', `/v2/payments/captures/${p.captureId}/refund`, {})).status).toBe(422);
  });

  it('a reversal is refund-shaped, names its capture through the up link, and is no refund of the order', async () => {
    const p = await paid('5.00');
    const r = await call('POST', `/_dashboard/captures/${p.captureId}/reverse`, { amount: { currency_code: 'USD', value: '5.00' } }, false);
    expect(r.status).toBe(201);
    expect(await webhook('PAYMENT.CAPTURE.REVERSED', String(r.body.id))).toEqual({
      ok: true, kind: 'dispute', notificationId: expect.stringMatching(/^WH-/), disputeKind: 'reversal', status: 'lost', providerDisputeId: r.body.id,
      providerTransactionId: p.captureId, providerStatus: 'PAYMENT.CAPTURE.REVERSED/COMPLETED', amount: 500, currency: 'USD', reason: 'CHARGEBACK',
    });
    expect((await call('GET', `/v2/payments/refunds/${String(r.body.id)}`)).body).toMatchObject({ id: r.body.id, note_to_payer: 'Payment reversed' });
    const order = (await call('GET', `/v2/checkout/orders/${p.orderId}`)).body as unknown as Order;
    expect(order.purchase_units[0]!.payments.captures[0]).toMatchObject({ status: 'REFUNDED', status_details: { reason: 'CHARGEBACK' } });
    expect(order.purchase_units[0]!.payments.refunds).toBeUndefined();
    expect((await call('POST', `/_dashboard/captures/${p.captureId}/reverse`, {}, false)).status).toBe(422);
    expect((await call('POST', '/_dashboard/captures/NOPE/reverse', {}, false)).status).toBe(404);
  });
});
