import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stripeConnector as c, STRIPE_EVENTS } from './index.js';
import type { StripeContext } from './http.js';
import { mapDisputeStatus, STRIPE_DISPUTE_STATUSES } from './dispute.js';

const secret = 'whsec_test_secret_123';
const now = new Date('2025-03-01T10:00:00Z');
const t = Math.floor(now.getTime() / 1000);
const ctx: StripeContext = { credentials: { secretKey: 'sk_test_abcdefgh', webhookSecret: secret }, baseUrl: 'https://api.stripe.com', notifyUrl: 'http://gw/notify/stripe/pa_1', now };
const sign = (payload: string) => `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex')}`;
const verify = (type: string, object: Record<string, unknown>) => {
  const body = JSON.stringify({ id: 'evt_9', object: 'event', type, data: { object } }, null, 2);
  return c.verifyNotification(ctx, { headers: { 'stripe-signature': sign(body) }, rawBody: body, contentType: 'application/json' });
};
const dispute = (extra: Record<string, unknown> = {}) => ({ id: 'dp_1', object: 'dispute', amount: 1500, currency: 'usd', charge: 'ch_1', payment_intent: 'pi_1', reason: 'fraudulent', status: 'needs_response', ...extra });
const order = { reference: 'att_1', amount: 2000, currency: 'USD', providerTransactionId: 'pi_1', providerOrderId: 'cs_1' };
const res = (status: number, body: unknown) => ({ status, headers: {}, body: JSON.stringify(body) });

describe('Stripe dispute statuses', () => {
  it('maps every status stripe-node lists', () => {
    expect(Object.fromEntries(STRIPE_DISPUTE_STATUSES.map((s) => [s, mapDisputeStatus(s)]))).toEqual({
      warning_needs_response: 'open', warning_under_review: 'open', warning_closed: 'won', needs_response: 'open', under_review: 'open',
      appeal_needs_response: 'open', appeal_under_review: 'open', won: 'won', lost: 'lost', prevented: 'won',
    });
  });
  it('unknown, mis-cased and prototype keys stay open, never won', () => {
    for (const junk of ['', 'WON', 'Lost', 'closed', 'toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf']) expect(mapDisputeStatus(junk)).toBe('open');
  });
  it('subscribes to every dispute event', () => {
    for (const e of ['charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed', 'charge.dispute.funds_withdrawn', 'charge.dispute.funds_reinstated']) expect(STRIPE_EVENTS).toContain(e);
  });
});

describe('charge.dispute.* events', () => {
  it('become dispute values located by the PaymentIntent', () => {
    expect(verify('charge.dispute.created', dispute())).toEqual({
      ok: true, kind: 'dispute', notificationId: 'evt_9', providerTransactionId: 'pi_1', providerDisputeId: 'dp_1', disputeKind: 'dispute',
      status: 'open', providerStatus: 'needs_response', amount: 1500, currency: 'USD', reason: 'fraudulent',
    });
    expect(verify('charge.dispute.closed', dispute({ status: 'lost', payment_intent: { id: 'pi_2', object: 'payment_intent' } }))).toMatchObject({ status: 'lost', providerTransactionId: 'pi_2' });
    expect(verify('charge.dispute.funds_reinstated', dispute({ status: 'won' }))).toMatchObject({ kind: 'dispute', status: 'won' });
  });
  it('refuses disputes without a PaymentIntent, amount or status', () => {
    expect(verify('charge.dispute.created', dispute({ payment_intent: null }))).toMatchObject({ ok: false, code: 'NOTIFY.UNKNOWN_ORDER' });
    expect(verify('charge.dispute.created', dispute({ amount: '1500' }))).toMatchObject({ ok: false, code: 'NOTIFY.MALFORMED' });
    expect(verify('charge.dispute.created', dispute({ currency: 'xxx' }))).toMatchObject({ ok: false, code: 'NOTIFY.MALFORMED' });
    expect(verify('charge.dispute.created', dispute({ status: undefined }))).toMatchObject({ ok: false, code: 'NOTIFY.MALFORMED' });
    expect(verify('charge.dispute.created', dispute({ object: 'charge' }))).toMatchObject({ ok: false, code: 'NOTIFY.MALFORMED' });
  });
});

describe('refunds made outside Paygate', () => {
  const refund = (extra: Record<string, unknown> = {}) => ({ id: 're_d1', object: 'refund', amount: 700, currency: 'usd', status: 'succeeded', payment_intent: 'pi_1', charge: 'ch_1', metadata: {}, created: 1, ...extra });
  it('a dashboard refund has no refundReference, names its id and the PaymentIntent', () => {
    expect(verify('refund.created', refund())).toEqual({
      ok: true, kind: 'refund', notificationId: 'evt_9', reference: '', status: 'succeeded', providerStatus: 'succeeded', amount: 700, currency: 'USD', providerRefundId: 're_d1', providerTransactionId: 'pi_1',
    });
    expect(verify('refund.created', refund({ payment_intent: null }))).toMatchObject({ ok: false, code: 'NOTIFY.UNKNOWN_ORDER' });
  });
  it("a Paygate refund keeps its reference; charge.refunded reports the newest refund, ours or not, with the charge's total", () => {
    const ours = refund({ id: 're_p1', amount: 300, created: 5, metadata: { paygate_refund: 're_01', paygate_reference: 'att_1' } });
    const charge = (refunds?: unknown[]) => ({ id: 'ch_1', object: 'charge', amount: 2000, amount_refunded: 1000, currency: 'usd', payment_intent: 'pi_1', ...(refunds ? { refunds: { object: 'list', data: refunds } } : {}) });
    expect(verify('charge.refunded', charge([refund(), ours]))).toMatchObject({ kind: 'refund', refundReference: 're_01', reference: 'att_1', providerRefundId: 're_p1', amount: 300, refundedTotal: 1000 });
    expect(verify('charge.refunded', charge([refund({ created: 9 }), ours]))).toMatchObject({ kind: 'refund', reference: '', providerRefundId: 're_d1', amount: 700, refundedTotal: 1000 });
    expect(verify('charge.refunded', charge([refund({ created: 9 }), ours]))).not.toHaveProperty('refundReference');
    // API versions without charge.refunds: only the total, for the app to reconcile by listing.
    expect(verify('charge.refunded', charge())).toEqual({ ok: true, kind: 'refund', notificationId: 'evt_9', reference: '', status: 'succeeded', providerStatus: 'charge.refunded', amount: 1000, currency: 'USD', refundedTotal: 1000, providerTransactionId: 'pi_1' });
  });
});

describe('listRefunds', () => {
  const lr = c.listRefunds!;
  it('lists the intent\'s refunds, 100 a page, from the cursor', () => {
    expect(lr.build(ctx, order)).toMatchObject({ method: 'GET', url: 'https://api.stripe.com/v1/refunds?payment_intent=pi_1&limit=100' });
    expect(lr.build(ctx, order, 're_9')).toMatchObject({ url: 'https://api.stripe.com/v1/refunds?payment_intent=pi_1&limit=100&starting_after=re_9' });
    expect(lr.build(ctx, { ...order, providerTransactionId: undefined } as never)).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE' });
  });
  it('tells ours from dashboard ones and pages on has_more', () => {
    const page = { object: 'list', has_more: true, data: [
      { id: 're_2', object: 'refund', amount: 200, currency: 'usd', status: 'succeeded', metadata: {} },
      { id: 're_1', object: 'refund', amount: 300, currency: 'usd', status: 'pending', metadata: { paygate_refund: 're_01' } },
    ] };
    expect(lr.parse(ctx, order, res(200, page))).toEqual({ ok: true, nextCursor: 're_1', refunds: [
      { providerRefundId: 're_2', amount: 200, currency: 'USD', status: 'succeeded', providerStatus: 'succeeded' },
      { providerRefundId: 're_1', amount: 300, currency: 'USD', status: 'pending', providerStatus: 'pending', refundReference: 're_01' },
    ] });
    expect(lr.parse(ctx, order, res(200, { ...page, has_more: false }))).not.toHaveProperty('nextCursor');
    expect(lr.parse(ctx, order, res(200, { object: 'list', data: [{ id: 're_3', amount: 'x', currency: 'usd' }] }))).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE' });
    expect(lr.parse(ctx, order, res(500, { error: { type: 'api_error', message: 'x' } }))).toMatchObject({ ok: false, code: 'CONNECTOR.UNAVAILABLE', retryable: true });
  });
});
