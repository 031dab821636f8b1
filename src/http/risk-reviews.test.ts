/**
 * The manual review queue end to end (docs/risk.md), on SQLite and PostgreSQL: a payment a
 * rule sends to review waits in requires_review with no provider order; approve → routed →
 * QR code → paid → succeeded; deny → failed (RISK.DENIED); left open past its expiry →
 * expired. Each with its events and webhook deliveries, and a review closed exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, sandboxMerchant, startGateway, startReceiver, waitFor, type Gateway } from '../test-support/harness.js';

interface Payment { id: string; status: string; failure_code: string | null; failure_message: string | null; next_action: { qr_code?: string } | null; attempts: unknown[]; risk: { action: string; review_id: string | null } | null }
interface Review { id: string; object: string; status: string; payment_id: string; merchant_id: string; reason: string; closed_reason: string | null; closed_by: string | null; note: string | null; closed_at: string | null }
interface Outcome { review: Review; payment: Payment }
interface Err { error: { code: string; message: string; closed_reason?: string } }

describe.each(DB_KINDS)('review queue (%s)', (db) => {
  let gw: Gateway;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let shop: Awaited<ReturnType<typeof sandboxMerchant>>;
  let order = 0;

  beforeAll(async () => {
    gw = await startGateway({ db });
    hook = await startReceiver();
    shop = await sandboxMerchant(gw, hook.url);
    const put = await gw.admin('PUT', `/admin/merchants/${shop.id}/risk/rules`, { rules: [{ name: 'large', when: 'amount >= 100000', action: 'review', mode: 'active' }] });
    expect(put.status).toBe(200);
  }, 60_000);
  afterAll(async () => { await hook?.close(); await gw?.stop(); });

  const create = (extra: Record<string, unknown> = {}) =>
    gw.api<Payment>(shop.key, 'POST', '/v1/payments', { amount: 120000, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `REV-${db}-${++order}`, ...extra });
  const sim = (p: string, body: unknown) => fetch(`${gw.url}/sandbox/alipay${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  // Sorted: events of one transaction share a millisecond, and ids order only by millisecond.
  const eventsOf = async (...ids: string[]) => (await gw.rt.ctx.db.selectFrom('events').select(['type', 'object_id']).where('object_id', 'in', ids).execute()).map((e) => e.type).sort();
  const delivered = (type: string, objectId: string) => hook.received.some((r) => { const b = JSON.parse(r.body) as { type: string; data: { object: { id: string } } }; return b.type === type && b.data.object.id === objectId; });
  const held = async () => {
    const r = await create();
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ status: 'requires_review', next_action: null, attempts: [] });
    return { payment: r.body, reviewId: r.body.risk!.review_id!, orderId: `REV-${db}-${order}` };
  };

  it('holds a payment with no provider order and lists it in the open queue', async () => {
    const { payment, reviewId } = await held();
    const open = await gw.admin<{ data: Review[] }>('GET', `/admin/reviews?status=open&merchant_id=${shop.id}`);
    expect(open.status).toBe(200);
    expect(open.body.data.find((r) => r.id === reviewId)).toMatchObject({ object: 'review', status: 'open', payment_id: payment.id, merchant_id: shop.id, reason: 'rule large', closed_reason: null });
    expect((await gw.admin<Review>('GET', `/admin/reviews/${reviewId}`)).body.status).toBe('open');
    expect((await gw.admin<Err>('GET', '/admin/reviews/rev_00000000000000000000000000')).body.error.code).toBe('RISK.REVIEW_NOT_FOUND');
    // Nothing was sent to a provider: no attempt, and the cashier's status says review.
    expect((await gw.api<Payment>(shop.key, 'GET', `/v1/payments/${payment.id}`)).body.attempts).toEqual([]);
    await waitFor(() => delivered('payment.review_required', payment.id), { what: 'payment.review_required delivered' });
  });

  it('approve → the payment is routed (QR code) → paid → succeeded, with review.closed and every webhook', async () => {
    const { payment, reviewId } = await held();
    const ok = await gw.admin<Outcome>('POST', `/admin/reviews/${reviewId}/approve`, { closed_by: 'ops@shop', note: 'known customer' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.review).toMatchObject({ status: 'closed', closed_reason: 'approved', closed_by: 'ops@shop', note: 'known customer' });
    expect(ok.body.payment.status).toBe('requires_action');
    expect(ok.body.payment.next_action?.qr_code).toBeTruthy();
    expect(ok.body.payment.attempts).toHaveLength(1);

    await sim('/_payer/pay', { reference: ok.body.payment.next_action!.qr_code, outcome: 'success' });
    await waitFor(async () => (await gw.api<Payment>(shop.key, 'GET', `/v1/payments/${payment.id}`)).body.status === 'succeeded', { what: 'succeeded' });
    // payment.processing too when the simulator reported the scan before the payment.
    expect((await eventsOf(payment.id, reviewId)).filter((t) => t !== 'payment.processing')).toEqual(['payment.review_required', 'payment.succeeded', 'review.closed']);
    await waitFor(() => delivered('review.closed', reviewId) && delivered('payment.succeeded', payment.id), { what: 'review.closed and payment.succeeded delivered' });

    // Closed once: a second decision changes nothing.
    const again = await gw.admin<Err>('POST', `/admin/reviews/${reviewId}/deny`, {});
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'RISK.REVIEW_CLOSED', closed_reason: 'approved' });
  });

  it('deny → failed with RISK.DENIED and no provider call; the review cannot be approved afterwards', async () => {
    const { payment, reviewId, orderId } = await held();
    const no = await gw.admin<Outcome>('POST', `/admin/reviews/${reviewId}/deny`, { note: 'stolen card report' });
    expect(no.status).toBe(200);
    expect(no.body.review).toMatchObject({ status: 'closed', closed_reason: 'denied', note: 'stolen card report' });
    expect(no.body.payment).toMatchObject({ status: 'failed', failure_code: 'RISK.DENIED', attempts: [] });
    expect(no.body.payment.failure_message).toContain('stolen card report');
    expect(await eventsOf(payment.id, reviewId)).toEqual(['payment.failed', 'payment.review_required', 'review.closed']);
    await waitFor(() => delivered('payment.failed', payment.id) && delivered('review.closed', reviewId), { what: 'payment.failed and review.closed delivered' });
    expect((await gw.admin<Err>('POST', `/admin/reviews/${reviewId}/approve`)).status).toBe(409);
    // The same order again is answered as denied, not reopened.
    const again = await gw.api<Err>(shop.key, 'POST', '/v1/payments', { amount: 120000, currency: 'CNY', method: 'alipay_qr', merchant_order_id: orderId });
    expect(again.status).toBe(402);
    expect(again.body.error.code).toBe('RISK.DENIED');
  });

  it('left open past its expiry → expired, and the review closes as expired', async () => {
    const r = await create({ expires_in_seconds: 5 });
    expect(r.body.status).toBe('requires_review');
    const reviewId = r.body.risk!.review_id!;
    await waitFor(async () => (await gw.api<Payment>(shop.key, 'GET', `/v1/payments/${r.body.id}`)).body.status === 'expired', { timeoutMs: 20_000, what: 'expired' });
    const review = (await gw.admin<Review>('GET', `/admin/reviews/${reviewId}`)).body;
    expect(review).toMatchObject({ status: 'closed', closed_reason: 'expired', closed_by: null });
    expect(await eventsOf(r.body.id, reviewId)).toEqual(['payment.expired', 'payment.review_required', 'review.closed']);
    expect((await gw.admin<Err>('POST', `/admin/reviews/${reviewId}/approve`)).body.error.code).toBe('RISK.REVIEW_CLOSED');
  });

  it('a merchant cancel closes the review as canceled', async () => {
    const { payment, reviewId } = await held();
    const c = await gw.api<Payment>(shop.key, 'POST', `/v1/payments/${payment.id}/cancel`);
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    expect(c.body.status).toBe('canceled');
    expect((await gw.admin<Review>('GET', `/admin/reviews/${reviewId}`)).body).toMatchObject({ status: 'closed', closed_reason: 'canceled' });
  });

  it('two operators approving at once: one wins, the other is told it is closed, and the payment is routed once', async () => {
    const { payment, reviewId } = await held();
    const both = await Promise.all([1, 2].map(() => gw.admin<Outcome & Err>('POST', `/admin/reviews/${reviewId}/approve`)));
    expect(both.map((b) => b.status).sort()).toEqual([200, 409]);
    const after = (await gw.api<Payment>(shop.key, 'GET', `/v1/payments/${payment.id}`)).body;
    expect(after.attempts).toHaveLength(1);
    expect(await eventsOf(payment.id, reviewId)).toEqual(['payment.review_required', 'review.closed']);
  });
});
