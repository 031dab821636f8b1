/**
 * Declines inside a session the buyer can still use (issue 13, faults 1 and 2): a decline is
 * recorded with Paygate's failure code and the provider's own, the payment stays open, and a
 * later approval succeeds instead of ending in `conflict`; when Paygate gives up, it closes
 * the session at the provider so nothing can be paid after, and the reason stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observePayment } from '../app/payment-transitions.js';
import { DB_KINDS, waitFor, type Gateway } from '../test-support/harness.js';
import { startFlowGateway, stopFlowGateway, type Receiver, type SandboxMerchant } from '../test-support/flow.js';

type Attempt = { status: string; error: { code: string; message: string | null; decline_code?: string | null } | null; failure_code: string | null };
type Payment = { id: string; status: string; failure_code: string | null; failure_message: string | null; next_action: { type: string; url?: string; qr_code?: string } | null; attempts: Attempt[] };

describe.each(DB_KINDS)('declines on %s', (db) => {
  let gw: Gateway;
  let receiver: Receiver;
  let m: SandboxMerchant;
  let order = 0;
  const create = async (method: string, extra: Record<string, unknown> = {}) => {
    const r = await gw.api<Payment>(m.key, 'POST', '/v1/payments', { amount: 2000, currency: method === 'stripe' || method === 'paypal' ? 'USD' : 'CNY', method, merchant_order_id: `DC-${db}-${++order}`, description: 'Mug', ...extra });
    expect(r.status).toBe(201);
    return r.body;
  };
  const get = async (id: string) => (await gw.api<Payment>(m.key, 'GET', `/v1/payments/${id}`)).body;
  const until = (id: string, ok: (p: Payment) => boolean, what: string) => waitFor(async () => { const p = await get(id); return ok(p) ? p : undefined; }, { what: `${id} ${what}` });
  const payer = (provider: string, reference: string, outcome: string) =>
    fetch(`${gw.url}/sandbox/${provider}/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference, outcome }) });
  const eventTypes = async (id: string) => (await gw.rt.ctx.db.selectFrom('events').select('type').where('object_id', '=', id).orderBy('created_at').execute()).map((e) => e.type);

  beforeAll(async () => {
    ({ gw, receiver, m } = await startFlowGateway({ db }));
  });
  afterAll(() => stopFlowGateway({ gw, receiver }));

  it('stripe: a declined card leaves the session open with the reason; approving then succeeds, not conflict', async () => {
    const p = await create('stripe');
    expect((await payer('stripe', p.next_action!.url!, 'fail')).status).toBe(200);
    // Before the fix the decline failed the payment here (and the approval below made it `conflict`).
    const declined = await until(p.id, (x) => x.status !== 'requires_action', 'decline seen');
    expect(declined.status).toBe('processing');
    expect(declined).toMatchObject({ failure_code: 'card_declined', failure_message: 'Your card was declined.' });
    expect(declined.attempts[0]!.error).toEqual({ code: 'card_declined', message: 'Your card was declined.', decline_code: 'generic_decline' });
    expect(declined.next_action?.type).toBe('redirect');

    expect((await payer('stripe', p.next_action!.url!, 'success')).status).toBe(200);
    const paid = await until(p.id, (x) => x.status !== 'processing', 'settled');
    expect(paid.status).toBe('succeeded');
    expect(paid).toMatchObject({ failure_code: null, failure_message: null });
    expect(paid.attempts[0]!.error).toBeNull();
    expect(await eventTypes(p.id)).not.toContain('payment.failed');
  });

  it('stripe: when Paygate gives up it expires the session; the decline stays the reason and nothing can be paid', { timeout: 120_000 }, async () => {
    const p = await create('stripe', { expires_in_seconds: 5 });
    expect((await payer('stripe', p.next_action!.url!, 'fail')).status).toBe(200);
    await until(p.id, (x) => typeof x.failure_code === 'string', 'decline recorded');
    // Expiry closes the session at the provider first, retrying on its back-off if a close
    // fails; on a loaded CI machine (the whole suite in parallel) that took over 15 s once.
    const done = await waitFor(async () => { const x = await get(p.id); return x.status === 'expired' ? x : undefined; }, {
      timeoutMs: 45_000,
      // Say where it stuck: the payment as the API shows it and the jobs that own it.
      what: async () => `${p.id} expired; payment ${JSON.stringify(await get(p.id))}; jobs ${JSON.stringify(await gw.rt.ctx.db.selectFrom('jobs').selectAll().where('ref_id', 'in', [p.id, ...(await gw.rt.ctx.db.selectFrom('attempts').select('id').where('payment_id', '=', p.id).execute()).map((a) => a.id)]).execute())}`,
    });
    expect(done).toMatchObject({ failure_code: 'card_declined', next_action: null });
    expect((await payer('stripe', p.next_action!.url!, 'success')).status).toBe(409);
    expect((await get(p.id)).status).toBe('expired');
    const ev = await waitFor(() => receiver.received.find((r) => r.body.includes(p.id) && r.body.includes('"payment.expired"')), { what: 'payment.expired webhook' });
    expect(JSON.parse(ev.body)).toMatchObject({ data: { object: { failure_code: 'card_declined' } } });
  });

  it('wechat: PAYERROR (found by the poll: WeChat notifies no failure) leaves the order open; paying again succeeds', async () => {
    const p = await create('wechat_native');
    expect((await payer('wechatpay', p.next_action!.qr_code!, 'fail')).status).toBe(200);
    const declined = await until(p.id, (x) => x.failure_code !== null && x.failure_code !== undefined, 'decline seen');
    expect(declined).toMatchObject({ status: 'processing', failure_code: 'card_declined', failure_message: '支付失败' });
    expect(declined.attempts[0]!.error).toEqual({ code: 'card_declined', message: '支付失败', decline_code: 'PAYERROR' });
    expect((await payer('wechatpay', p.next_action!.qr_code!, 'success')).status).toBe(200);
    expect((await until(p.id, (x) => x.status !== 'processing', 'settled')).status).toBe('succeeded');
    expect(await eventTypes(p.id)).not.toContain('payment.conflict');
  });

  it('paypal: a capture refused by risk filters ends the order: payment.failed carries the code', async () => {
    const p = await create('paypal');
    await payer('paypal', p.next_action!.url!, 'fail');
    const failed = await until(p.id, (x) => x.status === 'failed', 'failed');
    expect(failed).toMatchObject({ failure_code: 'risk_declined' });
    expect(failed.attempts[0]!.error).toMatchObject({ code: 'risk_declined', decline_code: 'DECLINED_BY_RISK_FRAUD_FILTERS' });
    const ev = await waitFor(() => receiver.received.find((r) => r.body.includes(p.id) && r.body.includes('"payment.failed"')), { what: 'payment.failed webhook' });
    expect(JSON.parse(ev.body)).toMatchObject({ type: 'payment.failed', data: { object: { failure_code: 'risk_declined' } } });
  });

  it('unionpay: a failed consume is final for its order: failed, with the response code mapped and kept', async () => {
    const p = await create('unionpay_qr');
    expect((await payer('unionpay', p.next_action!.qr_code!, 'fail')).status).toBe(200);
    const failed = await until(p.id, (x) => x.status === 'failed', 'failed');
    expect(failed).toMatchObject({ failure_code: 'card_declined', failure_message: '交易失败' });
    expect(failed.attempts[0]!.error).toEqual({ code: 'card_declined', message: '交易失败', decline_code: '01' });
  });

  it('wechat: after PAYERROR, expiry closes the order at WeChat Pay: expired, the decline kept, paying refused', async () => {
    const p = await create('wechat_native', { expires_in_seconds: 5 });
    expect((await payer('wechatpay', p.next_action!.qr_code!, 'fail')).status).toBe(200);
    await until(p.id, (x) => x.failure_code === 'card_declined', 'decline seen');
    // Paygate's expiry (expired) and WeChat's own time_expire (CLOSED → failed) race; either way the decline stays the reason.
    const done = await until(p.id, (x) => x.status === 'expired' || x.status === 'failed', 'ended');
    expect(done).toMatchObject({ failure_code: 'card_declined', next_action: null });
    const late = await payer('wechatpay', p.next_action!.qr_code!, 'success');
    expect(late.status).toBe(409);
    expect((await get(p.id)).status).toBe(done.status);
  });

  it('alipay: a failed payment in the app leaves the trade open; the buyer then pays another way', async () => {
    const p = await create('alipay_qr');
    expect((await payer('alipay', p.next_action!.qr_code!, 'fail')).status).toBe(200);
    // Alipay tells the merchant nothing about the failure: the scanned trade is just WAIT_BUYER_PAY.
    expect((await until(p.id, (x) => x.status !== 'requires_action', 'scanned')).status).toBe('processing');
    expect((await payer('alipay', p.next_action!.qr_code!, 'success')).status).toBe(200);
    expect((await until(p.id, (x) => x.status !== 'processing', 'settled'))).toMatchObject({ status: 'succeeded', failure_code: null });
    expect(await eventTypes(p.id)).not.toContain('payment.failed');
  });

  it('a decline heard after the payment succeeded (out of order) leaves failure_code null', async () => {
    const p = await create('stripe');
    expect((await payer('stripe', p.next_action!.url!, 'success')).status).toBe(200);
    await until(p.id, (x) => x.status === 'succeeded', 'succeeded');
    const attempt = await gw.rt.ctx.db.selectFrom('attempts').select('id').where('payment_id', '=', p.id).executeTakeFirstOrThrow();
    const late = await observePayment(gw.rt.ctx, { paymentId: p.id, attemptId: attempt.id, observed: 'processing', source: 'notification', decline: { code: 'card_declined', providerCode: 'generic_decline', message: 'Your card was declined.' } });
    expect(late.changed).toBe(false);
    expect(await get(p.id)).toMatchObject({ status: 'succeeded', failure_code: null, failure_message: null });
    expect((await get(p.id)).attempts[0]!.error).toBeNull();
  });
});
