import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stripeConnector as c } from './index.js';
import type { StripeContext } from './http.js';
import { parseSignatureHeader, verifyStripeSignature } from './signature.js';

const secret = 'whsec_test_secret_123';
const now = new Date('2025-03-01T10:00:00Z');
const t = Math.floor(now.getTime() / 1000);
const ctx: StripeContext = { credentials: { secretKey: 'sk_test_abcdefgh', webhookSecret: secret }, baseUrl: 'https://api.stripe.com', notifyUrl: 'http://gw/notify/stripe/pa_1', now };

// Written out step by step, as Stripe documents it: HMAC-SHA256 over "<t>.<payload>" with the endpoint secret, hex.
const v1 = (payload: string, ts: number, key = secret) => createHmac('sha256', key).update(`${ts}.${payload}`).digest('hex');

const event = (type: string, object: Record<string, unknown>) => JSON.stringify({ id: 'evt_1', object: 'event', type, data: { object } }, null, 2);
const verify = (body: string, header: string | undefined, at = ctx) => c.verifyNotification(at, { headers: header === undefined ? {} : { 'stripe-signature': header }, rawBody: body, contentType: 'application/json' });
const pi = (status: string, extra: Record<string, unknown> = {}) => ({ id: 'pi_1', object: 'payment_intent', amount: 12340, amount_received: status === 'succeeded' ? 12340 : 0, currency: 'kwd', status, metadata: { paygate_reference: 'att_1' }, last_payment_error: null, ...extra });

describe('Stripe-Signature', () => {
  const body = '{"id":"evt_1"}';
  it('matches a fixed vector computed independently', () => {
    // printf '1700000000.{"id":"evt_1"}' | openssl dgst -sha256 -hmac whsec_test_secret_123
    const vector = '2913be30e714a8791de4f166b314c398b914044f71410603a5ed28bed784f4d4';
    expect(v1(body, 1700000000)).toBe(vector);
    expect(verifyStripeSignature(body, `t=1700000000,v1=${vector}`, secret, new Date(1700000000_000))).toEqual({ ok: true, timestamp: 1700000000 });
    expect(verifyStripeSignature(body, `t=1700000000,v1=${vector.toUpperCase()}`, secret, new Date(1700000000_000)).ok).toBe(true);
  });
  it('accepts any matching v1, ignores v0 and unknown schemes', () => {
    expect(verifyStripeSignature(body, `t=${t},v0=${v1(body, t)},v1=${'0'.repeat(64)},v1=${v1(body, t)},x=1`, secret, now).ok).toBe(true);
    expect(verifyStripeSignature(body, `t=${t},v0=${v1(body, t)}`, secret, now)).toMatchObject({ ok: false, reason: 'malformed' });
  });
  it('enforces 300 s both ways', () => {
    expect(verifyStripeSignature(body, `t=${t - 300},v1=${v1(body, t - 300)}`, secret, now).ok).toBe(true);
    expect(verifyStripeSignature(body, `t=${t - 301},v1=${v1(body, t - 301)}`, secret, now)).toMatchObject({ ok: false, reason: 'stale' });
    expect(verifyStripeSignature(body, `t=${t + 301},v1=${v1(body, t + 301)}`, secret, now)).toMatchObject({ ok: false, reason: 'stale' });
  });
  it('rejects duplicates of t and garbage', () => {
    expect(parseSignatureHeader(`t=1,t=2,v1=${'a'.repeat(64)}`)).toBeUndefined();
    expect(parseSignatureHeader('v1=abc')).toBeUndefined();
  });
});

describe('webhook events', () => {
  it('payment_intent.succeeded → payment succeeded with the exact KWD amount and the intent id', () => {
    const body = event('payment_intent.succeeded', pi('succeeded'));
    expect(verify(body, `t=${t},v1=${v1(body, t)}`)).toEqual({
      ok: true, kind: 'payment', notificationId: 'evt_1', reference: 'att_1', status: 'succeeded', providerStatus: 'succeeded', amount: 12340, currency: 'KWD', providerTransactionId: 'pi_1',
    });
  });
  it('payment_failed → processing with the decline (the session stays open; issue 13); canceled → failed; checkout.session.completed → succeeded', () => {
    const failed = event('payment_intent.payment_failed', pi('requires_payment_method', { last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'expired_card', message: 'Your card has expired.' } }));
    expect(verify(failed, `t=${t},v1=${v1(failed, t)}`)).toMatchObject({ kind: 'payment', status: 'processing', amount: 12340, decline: { code: 'expired_card', providerCode: 'expired_card', message: 'Your card has expired.' } });
    const canceled = event('payment_intent.canceled', pi('canceled'));
    expect(verify(canceled, `t=${t},v1=${v1(canceled, t)}`)).toMatchObject({ status: 'failed' });
    const session = event('checkout.session.completed', { id: 'cs_1', object: 'checkout.session', amount_total: 500, currency: 'jpy', payment_status: 'paid', payment_intent: 'pi_9', metadata: { paygate_reference: 'att_2' } });
    expect(verify(session, `t=${t},v1=${v1(session, t)}`)).toMatchObject({ kind: 'payment', reference: 'att_2', status: 'succeeded', amount: 500, currency: 'JPY', providerTransactionId: 'pi_9' });
  });
  it('charge.refunded and refund.updated → refund results keyed by metadata', () => {
    const refund = (id: string, ref: string, created: number, status = 'succeeded') => ({ id, object: 'refund', amount: 700, currency: 'usd', status, created, metadata: { paygate_refund: ref, paygate_reference: 'att_1' } });
    const charge = event('charge.refunded', { id: 'ch_1', object: 'charge', amount_refunded: 1400, currency: 'usd', refunds: { object: 'list', data: [refund('re_a', 're_p1', 1), refund('re_b', 're_p2', 2)] } });
    expect(verify(charge, `t=${t},v1=${v1(charge, t)}`)).toMatchObject({ kind: 'refund', reference: 'att_1', refundReference: 're_p2', status: 'succeeded', amount: 700, currency: 'USD', providerRefundId: 're_b' });
    const updated = event('refund.updated', refund('re_c', 're_p3', 3, 'failed'));
    expect(verify(updated, `t=${t},v1=${v1(updated, t)}`)).toMatchObject({ kind: 'refund', refundReference: 're_p3', status: 'failed' });
  });
  it('rejects: no header, wrong secret, tampered body, stale, foreign objects; ignores unused types', () => {
    const body = event('payment_intent.succeeded', pi('succeeded'));
    expect(verify(body, undefined)).toMatchObject({ ok: false, code: 'NOTIFY.SIGNATURE_INVALID' });
    expect(verify(body, `t=${t},v1=${v1(body, t, 'whsec_other')}`)).toMatchObject({ ok: false, code: 'NOTIFY.SIGNATURE_INVALID' });
    expect(verify(body.replace('12340', '12350'), `t=${t},v1=${v1(body, t)}`)).toMatchObject({ ok: false, code: 'NOTIFY.SIGNATURE_INVALID' });
    // Re-serialising the JSON changes the bytes: the signature is over the raw body only.
    expect(verify(JSON.stringify(JSON.parse(body)), `t=${t},v1=${v1(body, t)}`)).toMatchObject({ ok: false });
    expect(verify(body, `t=${t - 400},v1=${v1(body, t - 400)}`)).toMatchObject({ ok: false, code: 'NOTIFY.TIMESTAMP_OUT_OF_TOLERANCE' });
    // An authentic event of a type Paygate doesn't use is acknowledged (so Stripe stops
    // retrying) but acts on nothing; the same event unsigned is still rejected.
    const other = event('customer.created', { id: 'cus_1', object: 'customer' });
    expect(verify(other, `t=${t},v1=${v1(other, t)}`)).toEqual({ ok: true, kind: 'ignored', notificationId: 'evt_1', eventType: 'customer.created' });
    expect(verify(other, `t=${t},v1=${v1(other, t, 'whsec_other')}`)).toMatchObject({ ok: false, code: 'NOTIFY.SIGNATURE_INVALID' });
    const foreign = event('payment_intent.succeeded', pi('succeeded', { metadata: {} }));
    expect(verify(foreign, `t=${t},v1=${v1(foreign, t)}`)).toMatchObject({ ok: false, code: 'NOTIFY.UNKNOWN_ORDER' });
  });
  it('acks with JSON', () => {
    expect(c.notificationAck(true)).toEqual({ status: 200, contentType: 'application/json', body: '{"received":true}' });
    expect(c.notificationAck(false).status).toBe(400);
  });
});
