import { describe, expect, it } from 'vitest';
import type { WireResponse } from '../types.js';
import { crc32, paypalConnector } from './index.js';
import { certUrlAllowed } from './notify.js';
import type { PaypalContext } from './request.js';
import { sent } from '../../test-support/wire.js';

const ctx: PaypalContext = {
  credentials: { clientId: 'cid', clientSecret: 'sec', webhookId: 'WH1' },
  baseUrl: 'http://127.0.0.1:9000/sandbox/paypal', notifyUrl: 'http://127.0.0.1:9000/notify/paypal/pa_x', now: new Date('2025-01-01T00:00:00Z'), accessToken: 'TOKEN',
};
const res = (status: number, body: unknown): WireResponse => ({ status, headers: {}, body: JSON.stringify(body) });
const input = { reference: 'att_1', amount: 500, currency: 'JPY', description: 'x', expiresAt: new Date(), returnUrl: 'http://127.0.0.1:9000/pay/pay_1/return' };

describe('paypal connector', () => {
  it('crc32 matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from(''))).toBe(0);
  });

  it('creates an order with intent CAPTURE, JPY without decimals, a stable PayPal-Request-Id and return/cancel URLs', () => {
    const a = sent(paypalConnector.create.build(ctx, input));
    const b = sent(paypalConnector.create.build(ctx, input));
    expect(a.headers['paypal-request-id']).toBe(b.headers['paypal-request-id']);
    expect(a.headers.authorization).toBe('Bearer TOKEN');
    const body = JSON.parse(a.body!) as { intent: string; purchase_units: Array<{ amount: unknown; custom_id: string }>; payment_source: { paypal: { experience_context: { return_url: string; cancel_url: string } } } };
    expect(body.intent).toBe('CAPTURE');
    expect(body.purchase_units[0]!.amount).toEqual({ currency_code: 'JPY', value: '500' });
    expect(body.purchase_units[0]!.custom_id).toBe('att_1');
    expect(body.payment_source.paypal.experience_context.cancel_url).toBe(`${input.returnUrl}?canceled=true`);
    const usd = JSON.parse(sent(paypalConnector.create.build(ctx, { ...input, amount: 1999, currency: 'USD' })).body!) as { purchase_units: Array<{ amount: { value: string } }> };
    expect(usd.purchase_units[0]!.amount.value).toBe('19.99');
  });

  it('parses the payer-action link and maps order states (APPROVED needs a capture; COMPLETED follows its capture)', () => {
    const created = paypalConnector.create.parse(ctx, input, res(201, { id: 'O1', status: 'PAYER_ACTION_REQUIRED', links: [{ rel: 'payer-action', href: 'https://x/checkoutnow?token=O1' }] }));
    expect(created).toEqual({ ok: true, reference: 'att_1', redirectUrl: 'https://x/checkoutnow?token=O1', providerOrderId: 'O1' });
    const unit = { amount: { currency_code: 'JPY', value: '500' } };
    expect(paypalConnector.query.parse(ctx, 'att_1', 'JPY', res(200, { id: 'O1', status: 'APPROVED', purchase_units: [unit] }))).toMatchObject({ ok: true, status: 'processing', requiresCapture: true, amount: 500 });
    const completed = { id: 'O1', status: 'COMPLETED', purchase_units: [{ ...unit, payments: { captures: [{ id: 'C1', status: 'COMPLETED', amount: unit.amount }] } }] };
    expect(paypalConnector.query.parse(ctx, 'att_1', 'JPY', res(200, completed))).toMatchObject({ ok: true, status: 'succeeded', providerTransactionId: 'C1' });
    const declined = { ...completed, purchase_units: [{ ...unit, payments: { captures: [{ id: 'C1', status: 'DECLINED', amount: unit.amount }] } }] };
    expect(paypalConnector.query.parse(ctx, 'att_1', 'JPY', res(200, declined))).toMatchObject({ status: 'failed', decline: { code: 'declined_other', providerCode: 'DECLINED' } });
    const risky = { ...completed, purchase_units: [{ ...unit, payments: { captures: [{ id: 'C1', status: 'DECLINED', status_details: { reason: 'DECLINED_BY_RISK_FRAUD_FILTERS' }, amount: unit.amount }] } }] };
    expect(paypalConnector.query.parse(ctx, 'att_1', 'JPY', res(200, risky))).toMatchObject({ status: 'failed', decline: { code: 'risk_declined', providerCode: 'DECLINED_BY_RISK_FRAUD_FILTERS' } });
    expect(paypalConnector.query.parse(ctx, 'att_1', 'JPY', res(200, { id: 'O1', status: 'WHATEVER_NEW' }))).toMatchObject({ status: 'pending' });
    expect(paypalConnector.query.parse(ctx, 'att_1', 'USD', res(200, { id: 'O1', status: 'APPROVED', purchase_units: [unit] }))).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE' });
  });

  it('capture: same request id every time; INSTRUMENT_DECLINED is a result; 401 is AUTH_FAILED; 5xx retryable', () => {
    const ci = { reference: 'att_1', providerOrderId: 'O1', amount: 500, currency: 'JPY' };
    expect(sent(paypalConnector.capture!.build(ctx, ci)).headers['paypal-request-id']).toBe(sent(paypalConnector.capture!.build(ctx, ci)).headers['paypal-request-id']);
    // Issue 13: the order stays APPROVED and the buyer may pick another funding source: a recorded decline, not a failure.
    expect(paypalConnector.capture!.parse(ctx, ci, res(422, { name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'INSTRUMENT_DECLINED' }] }))).toMatchObject({ ok: true, status: 'processing', decline: { code: 'card_declined', providerCode: 'INSTRUMENT_DECLINED' } });
    expect(paypalConnector.capture!.parse(ctx, ci, res(422, { name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'ORDER_ALREADY_CAPTURED' }] }))).toMatchObject({ ok: false, providerCode: 'ORDER_ALREADY_CAPTURED' });
    expect(paypalConnector.capture!.parse(ctx, ci, res(401, { error: 'invalid_token' }))).toMatchObject({ ok: false, code: 'CONNECTOR.AUTH_FAILED' });
    expect(paypalConnector.capture!.parse(ctx, ci, res(503, {}))).toMatchObject({ ok: false, retryable: true });
  });

  it('capture: a new approval round after a retryable decline gets a request id of its own, stable within the round', () => {
    const ci = { reference: 'att_1', providerOrderId: 'O1', amount: 500, currency: 'JPY' };
    const id = (round?: number) => sent(paypalConnector.capture!.build(ctx, { ...ci, ...(round === undefined ? {} : { round }) })).headers['paypal-request-id'];
    expect(id(0)).toBe(id());
    expect(id(1)).not.toBe(id(0));
    expect(id(2)).not.toBe(id(1));
    expect(id(1)).toBe(id(1));
    // The round survives PayPal's 108-character cut even for the longest reference.
    const long = { ...ci, reference: 'x'.repeat(200) };
    const a = sent(paypalConnector.capture!.build(ctx, { ...long, round: 1 })).headers['paypal-request-id'];
    const b = sent(paypalConnector.capture!.build(ctx, { ...long, round: 2 })).headers['paypal-request-id'];
    expect(a!.length).toBeLessThanOrEqual(108);
    expect(a).not.toBe(b);
  });

  it('token: Basic auth, expiry from expires_in', () => {
    const req = sent(paypalConnector.auth!.build(ctx));
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('cid:sec').toString('base64')}`);
    expect(req.body).toBe('grant_type=client_credentials');
    const t = paypalConnector.auth!.parse(ctx, res(200, { access_token: 'A', expires_in: 32400 }));
    expect(t).toEqual({ ok: true, token: 'A', expiresAt: new Date(ctx.now.getTime() + 32400_000) });
  });

  it('pins certificate hosts without any request', () => {
    expect(certUrlAllowed(ctx, 'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1')).toBe(true);
    expect(certUrlAllowed(ctx, 'https://api.paypal.com/v1/notifications/certs/CERT-1')).toBe(true);
    expect(certUrlAllowed(ctx, 'http://api.paypal.com/certs/x')).toBe(false);
    expect(certUrlAllowed(ctx, 'https://api.paypal.com.evil.example/x')).toBe(false);
    expect(certUrlAllowed(ctx, 'https://user@api.paypal.com/x')).toBe(false);
    expect(certUrlAllowed(ctx, 'http://127.0.0.1:9000/sandbox/paypal/certs/x.pem')).toBe(true);
    expect(certUrlAllowed(ctx, 'http://127.0.0.1:9001/sandbox/paypal/certs/x.pem')).toBe(false);
    expect(certUrlAllowed(ctx, 'http://127.0.0.1:9000/other/x.pem')).toBe(false);
    const m = paypalConnector.notificationMaterial!(ctx, { headers: { 'paypal-cert-url': 'https://evil.example/c.pem' }, rawBody: '{}', contentType: 'application/json' });
    expect(m).toMatchObject({ ok: false, code: 'NOTIFY.CERT_URL_UNTRUSTED' });
  });

  it('refund names the capture, carries both references and a stable request id', () => {
    const ri = { reference: 'att_1', refundReference: 're_1', amount: 300, currency: 'USD', providerTransactionId: 'C1' };
    const req = sent(paypalConnector.refund.build(ctx, ri));
    expect(req.url).toBe(`${ctx.baseUrl}/v2/payments/captures/C1/refund`);
    expect(JSON.parse(req.body!)).toMatchObject({ amount: { currency_code: 'USD', value: '3.00' }, custom_id: 'att_1:re_1' });
    expect(paypalConnector.refund.parse(ctx, ri, res(201, { id: 'R1', status: 'COMPLETED', amount: { currency_code: 'USD', value: '3.00' } }))).toEqual({ ok: true, status: 'succeeded', providerRefundId: 'R1' });
    expect(paypalConnector.refund.parse(ctx, ri, res(201, { id: 'R1', status: 'COMPLETED', amount: { currency_code: 'USD', value: '3.01' } }))).toMatchObject({ ok: false });
  });
});
