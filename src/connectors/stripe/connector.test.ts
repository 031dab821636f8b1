import { describe, expect, it } from 'vitest';
import type { CreateInput, RefundInput, WireResponse } from '../types.js';
import { stripeConnector as c } from './index.js';
import { encodeForm } from './form.js';
import type { StripeContext } from './http.js';
import { sent } from '../../test-support/wire.js';

const now = new Date('2025-03-01T10:00:00Z');
const ctx: StripeContext = { credentials: { secretKey: 'sk_test_abcdefgh', webhookSecret: 'whsec_abcdefgh' }, baseUrl: 'https://api.stripe.com', notifyUrl: 'http://gw.example/notify/stripe/pa_1', now };
const input: CreateInput = { reference: 'att_1', amount: 2000, currency: 'USD', description: 'T-shirt', expiresAt: new Date(now.getTime() + 900_000), returnUrl: 'http://gw.example/pay/pay_1/return' };
const res = (status: number, body: unknown, headers: Record<string, string> = {}): WireResponse => ({ status, headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
const form = (body: string | undefined) => Object.fromEntries(new URLSearchParams(body ?? ''));

describe('amounts and currencies', () => {
  it('passes minor units through for zero-, two- and three-decimal currencies; KWD must be a multiple of 10', () => {
    expect(c.amountProblem?.(500, 'JPY')).toBeUndefined();
    expect(c.amountProblem?.(12340, 'KWD')).toBeUndefined();
    expect(c.amountProblem?.(12345, 'KWD')).toMatch(/multiples of 10.*12340 or 12350/);
    expect(c.amountProblem?.(1, 'BHD')).toMatch(/multiples of 10/);
    expect(c.amountProblem?.(0, 'USD')).toMatch(/positive/);
    expect(c.amountProblem?.(100, 'ISK')).toMatch(/not offered/);
    expect(c.currencies).toEqual(expect.arrayContaining(['USD', 'EUR', 'GBP', 'JPY', 'HKD', 'CNY', 'KWD', 'KRW']));
    expect(c.create.build(ctx, { ...input, currency: 'KWD', amount: 12345 })).toMatchObject({ ok: false, code: 'VALIDATION.AMOUNT_NOT_REPRESENTABLE', retryable: false });
  });

  it.each([['JPY', 500, 'jpy'], ['KWD', 12340, 'kwd'], ['KRW', 15000, 'krw'], ['USD', 2000, 'usd']])('create sends %s %i as unit_amount %i %s', (currency, amount, lower) => {
    const f = form(sent(c.create.build(ctx, { ...input, currency, amount })).body);
    expect(f['line_items[0][price_data][unit_amount]']).toBe(String(amount));
    expect(f['line_items[0][price_data][currency]']).toBe(lower);
  });
});

describe('create (Checkout Session)', () => {
  it('is a form POST with nested params, Bearer auth and a stable Idempotency-Key', () => {
    const a = sent(c.create.build(ctx, input));
    const b = sent(c.create.build({ ...ctx, now: new Date(now.getTime() + 5000) }, input));
    expect(a.method).toBe('POST');
    expect(a.url).toBe('https://api.stripe.com/v1/checkout/sessions');
    expect(a.headers.authorization).toBe('Bearer sk_test_abcdefgh');
    expect(a.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(a.headers['idempotency-key']).toBe('paygate-create-att_1');
    expect(b.headers['idempotency-key']).toBe(a.headers['idempotency-key']);
    expect(b.body).toBe(a.body); // same parameters on a retry, or Stripe answers idempotency_error
    const f = form(a.body);
    expect(f).toMatchObject({
      mode: 'payment', client_reference_id: 'att_1', 'metadata[paygate_reference]': 'att_1', 'payment_intent_data[metadata][paygate_reference]': 'att_1',
      success_url: 'http://gw.example/pay/pay_1/return', cancel_url: 'http://gw.example/pay/pay_1/return?canceled=true', 'line_items[0][quantity]': '1',
    });
    // Deadline + 31 min: Stripe's 30-minute minimum holds for any creation before the deadline.
    expect(Number(f.expires_at)).toBe(Math.floor(input.expiresAt.getTime() / 1000) + 31 * 60);
    expect(a.body).toContain('line_items[0][price_data][product_data][name]=T-shirt');
  });

  it('parses the session into a redirect and checks it is this order', () => {
    const session = { id: 'cs_test_1', object: 'checkout.session', url: 'https://checkout.stripe.com/c/pay/cs_test_1', amount_total: 2000, currency: 'usd', metadata: { paygate_reference: 'att_1' } };
    expect(c.create.parse(ctx, input, res(200, session))).toEqual({ ok: true, reference: 'att_1', redirectUrl: session.url, providerOrderId: 'cs_test_1' });
    expect(c.create.parse(ctx, input, res(200, { ...session, metadata: { paygate_reference: 'att_2' } }))).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE' });
    expect(c.create.parse(ctx, input, res(200, { ...session, amount_total: 2001 }))).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE' });
  });

  it('classifies errors: 401 auth, 402 decline, 429/5xx and Stripe-Should-Retry retryable', () => {
    const err = (type: string, extra: Record<string, string> = {}) => ({ error: { type, message: 'x', ...extra } });
    expect(c.create.parse(ctx, input, res(401, err('invalid_request_error')))).toMatchObject({ ok: false, code: 'CONNECTOR.AUTH_FAILED', retryable: false });
    expect(c.create.parse(ctx, input, res(402, err('card_error', { code: 'card_declined', decline_code: 'insufficient_funds' })))).toMatchObject({ ok: false, code: 'CONNECTOR.REJECTED', retryable: false, providerCode: 'card_error/card_declined/insufficient_funds' });
    expect(c.create.parse(ctx, input, res(429, err('invalid_request_error', { code: 'rate_limit' })))).toMatchObject({ code: 'CONNECTOR.UNAVAILABLE', retryable: true });
    expect(c.create.parse(ctx, input, res(500, err('api_error')))).toMatchObject({ code: 'CONNECTOR.UNAVAILABLE', retryable: true });
    expect(c.create.parse(ctx, input, res(500, err('api_error'), { 'Stripe-Should-Retry': 'false' }))).toMatchObject({ retryable: false });
    expect(c.create.parse(ctx, input, res(400, err('invalid_request_error'), { 'stripe-should-retry': 'true' }))).toMatchObject({ code: 'CONNECTOR.REJECTED', retryable: true });
    expect(c.create.parse(ctx, input, res(502, '<html>bad gateway</html>'))).toMatchObject({ code: 'CONNECTOR.BAD_RESPONSE', retryable: true });
  });
});

describe('query and close', () => {
  const order = { amount: 2000, currency: 'USD', providerOrderId: 'cs_test_1' };
  const pi = (status: string, extra: Record<string, unknown> = {}) => ({ id: 'pi_1', object: 'payment_intent', amount: 2000, amount_received: status === 'succeeded' ? 2000 : 0, currency: 'usd', status, metadata: { paygate_reference: 'att_1' }, last_payment_error: null, ...extra });
  const session = (extra: Record<string, unknown>) => ({ id: 'cs_test_1', object: 'checkout.session', status: 'open', payment_status: 'unpaid', amount_total: 2000, currency: 'usd', metadata: { paygate_reference: 'att_1' }, payment_intent: null, ...extra });

  it('addresses the session (expanded intent), else the intent, else searches by metadata', () => {
    expect(sent(c.query.build(ctx, 'att_1', order)).url).toBe('https://api.stripe.com/v1/checkout/sessions/cs_test_1?expand[0]=payment_intent');
    expect(sent(c.query.build(ctx, 'att_1', { amount: 1, currency: 'USD', providerTransactionId: 'pi_1' })).url).toBe('https://api.stripe.com/v1/payment_intents/pi_1');
    const search = new URL(sent(c.query.build(ctx, 'att_1')).url);
    expect(search.pathname).toBe('/v1/payment_intents/search');
    expect(search.searchParams.get('query')).toBe("metadata['paygate_reference']:'att_1'");
  });

  it('maps states; only a paid intent becomes the transaction id', () => {
    expect(c.query.parse(ctx, 'att_1', 'USD', res(200, session({})))).toMatchObject({ ok: true, status: 'pending' });
    expect(c.query.parse(ctx, 'att_1', 'USD', res(200, session({ status: 'complete', payment_status: 'paid', payment_intent: pi('succeeded') })))).toEqual({ ok: true, status: 'succeeded', providerStatus: 'succeeded', amount: 2000, providerTransactionId: 'pi_1' });
    const declined = c.query.parse(ctx, 'att_1', 'USD', res(200, session({ payment_intent: pi('requires_payment_method', { last_payment_error: { code: 'card_declined' } }) })));
    // Issue 13: the session is still open, so a decline is recorded, not terminal.
    expect(declined).toMatchObject({ ok: true, status: 'processing', decline: { code: 'card_declined', providerCode: 'card_declined' } });
    const expiredAfterDecline = c.query.parse(ctx, 'att_1', 'USD', res(200, session({ status: 'expired', payment_intent: pi('requires_payment_method', { last_payment_error: { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' } }) })));
    expect(expiredAfterDecline).toMatchObject({ ok: true, status: 'failed', decline: { code: 'insufficient_funds', providerCode: 'insufficient_funds', message: 'Your card has insufficient funds.' } });
    expect(declined).not.toHaveProperty('providerTransactionId');
    expect(c.query.parse(ctx, 'att_1', 'USD', res(200, session({ status: 'expired' })))).toMatchObject({ status: 'failed' });
    expect(c.query.parse(ctx, 'att_1', 'USD', res(200, pi('processing')))).toMatchObject({ status: 'processing' });
    expect(c.query.parse(ctx, 'att_1', 'USD', res(200, pi('something_new')))).toMatchObject({ status: 'pending' });
    expect(c.query.parse(ctx, 'att_1', 'USD', res(200, { object: 'search_result', data: [] }))).toMatchObject({ status: 'pending' });
    expect(c.query.parse(ctx, 'att_1', 'USD', res(200, { object: 'search_result', data: [pi('canceled', { created: 2 }), pi('succeeded', { created: 1 })] }))).toMatchObject({ status: 'succeeded' });
    expect(c.query.parse(ctx, 'att_1', 'EUR', res(200, pi('succeeded')))).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE' });
    expect(c.query.parse(ctx, 'att_2', 'USD', res(200, pi('succeeded')))).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE' });
  });

  it('close expires the session; a session no longer open is not closable', () => {
    const req = sent(c.close.build(ctx, 'att_1', order));
    expect(req).toMatchObject({ method: 'POST', url: 'https://api.stripe.com/v1/checkout/sessions/cs_test_1/expire' });
    expect(req.headers['idempotency-key']).toBe('paygate-close-cs_test_1');
    expect(c.close.parse(ctx, 'att_1', res(200, session({ status: 'expired' })))).toEqual({ ok: true, outcome: 'closed' });
    expect(c.close.parse(ctx, 'att_1', res(400, { error: { type: 'invalid_request_error', message: 'not open' } }))).toEqual({ ok: true, outcome: 'not_closable' });
    expect(c.close.parse(ctx, 'att_1', res(503, { error: { type: 'api_error', message: 'x' } }))).toMatchObject({ ok: false, retryable: true });
    expect(c.close.parse(ctx, 'att_1', res(200, { object: 'search_result', data: [] }))).toEqual({ ok: true, outcome: 'closed' });
    expect(c.close.parse(ctx, 'att_1', res(200, { object: 'search_result', data: [pi('succeeded')] }))).toEqual({ ok: true, outcome: 'not_closable' });
  });
});

describe('refunds', () => {
  const r: RefundInput = { reference: 'att_1', refundReference: 're_p1', amount: 700, currency: 'USD', providerTransactionId: 'pi_1', reason: 'size' };
  const refund = (extra: Record<string, unknown> = {}) => ({ id: 're_1', object: 'refund', amount: 700, currency: 'usd', status: 'succeeded', metadata: { paygate_refund: 're_p1', paygate_reference: 'att_1' }, ...extra });

  it('refunds the intent, keyed and tagged by the refund id', () => {
    const req = sent(c.refund.build(ctx, r));
    expect(req.headers['idempotency-key']).toBe('paygate-refund-re_p1');
    expect(form(req.body)).toEqual({ payment_intent: 'pi_1', amount: '700', reason: 'requested_by_customer', 'metadata[paygate_refund]': 're_p1', 'metadata[paygate_reference]': 'att_1', 'metadata[paygate_reason]': 'size' });
    // build() never throws (docs/adr/0008): the refusal is a failure value and nothing is sent.
    expect(c.refund.build(ctx, { ...r, providerTransactionId: 'cs_test_1' })).toMatchObject({ ok: false, retryable: false, message: expect.stringMatching(/PaymentIntent/) });
  });

  it('maps refund states and finds ours in the list', () => {
    expect(c.refund.parse(ctx, r, res(200, refund()))).toEqual({ ok: true, status: 'succeeded', providerRefundId: 're_1' });
    expect(c.refund.parse(ctx, r, res(200, refund({ status: 'pending' })))).toMatchObject({ status: 'pending' });
    expect(c.refund.parse(ctx, r, res(200, refund({ status: 'failed', failure_reason: 'expired_or_canceled_card' })))).toMatchObject({ status: 'failed', failureReason: 'expired_or_canceled_card' });
    expect(c.refund.parse(ctx, r, res(200, refund({ amount: 701 })))).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE' });
    expect(c.refund.parse(ctx, r, res(400, { error: { type: 'invalid_request_error', code: 'charge_already_refunded', message: 'done' } }))).toMatchObject({ ok: true, status: 'failed' });
    expect(sent(c.refundQuery.build(ctx, r)).url).toBe('https://api.stripe.com/v1/refunds?payment_intent=pi_1&limit=100');
    expect(c.refundQuery.parse(ctx, r, res(200, { object: 'list', data: [refund({ id: 're_other', metadata: { paygate_refund: 're_x' } }), refund()] }))).toMatchObject({ status: 'succeeded', providerRefundId: 're_1' });
    expect(c.refundQuery.parse(ctx, r, res(200, { object: 'list', data: [] }))).toEqual({ ok: true, status: 'pending' });
  });
});

describe('form encoding and credentials', () => {
  it('brackets nested keys and escapes values', () => {
    expect(encodeForm({ a: { 'b c': ['x&y', { d: 1 }] }, e: undefined, f: true })).toBe('a[b%20c][0]=x%26y&a[b%20c][1][d]=1&f=true');
  });
  it('refuses publishable keys and API keys in place of the webhook secret', () => {
    expect(() => c.parseCredentials({ secret_key: 'pk_test_12345678', webhook_secret: 'whsec_12345678' })).toThrow(/secret_key/);
    expect(() => c.parseCredentials({ secret_key: 'sk_test_12345678', webhook_secret: 'sk_test_12345678' })).toThrow(/webhook_secret/);
    expect(c.parseCredentials({ secret_key: 'sk_test_12345678', webhook_secret: 'whsec_12345678' })).toEqual({ secretKey: 'sk_test_12345678', webhookSecret: 'whsec_12345678' });
  });
});
