/**
 * Stripe end to end through HTTP, on SQLite and PostgreSQL: create (Checkout Session) →
 * redirect to the simulator's hosted page → approve → signed webhook → succeeded → merchant
 * webhook; declined, buyer-canceled and merchant-canceled paths; partial and full refunds;
 * USD, JPY and KWD amounts exact at the provider; forged webhooks rejected, nothing changed.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, waitFor, type Gateway } from '../test-support/harness.js';
import { startFlowGateway, stopFlowGateway, stripeAccountOf, type Receiver, type SandboxMerchant } from '../test-support/flow.js';

type Payment = { id: string; status: string; amount: number; currency: string; amount_refunded: number; next_action: { type: string; url: string } | null; attempts: Array<{ provider_reference: string; provider_transaction_id: string | null; status: string }> };
type Refund = { id: string; status: string; amount: number };

/** Stripe's scheme written out here, independently of the connector and the simulator. */
function sign(body: string, secret: string, t: number): string {
  return `t=${t},v1=${crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

describe.each(DB_KINDS)('stripe on %s', (db) => {
  let gw: Gateway;
  let receiver: Receiver;
  let m: SandboxMerchant;
  let stripeAccount: string;
  let secretKey: string;
  let webhookSecret: string;
  let order = 0;
  const create = (extra: Record<string, unknown> = {}) =>
    gw.api<Payment & { error?: { code: string; field?: string } }>(m.key, 'POST', '/v1/payments', { amount: 2000, currency: 'USD', method: 'stripe', merchant_order_id: `ST-${db}-${++order}`, description: 'T-shirt', ...extra });
  const get = async (id: string) => (await gw.api<Payment>(m.key, 'GET', `/v1/payments/${id}`)).body;
  const until = (id: string, status: string) => waitFor(async () => { const p = await get(id); return p.status === status ? p : undefined; }, { what: `${id} ${status}` });
  const payer = (reference: string, outcome: string) =>
    fetch(`${gw.url}/sandbox/stripe/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference, outcome }) });
  const stripeApi = async <T,>(path: string) => (await (await fetch(`${gw.url}/sandbox/stripe${path}`, { headers: { authorization: `Bearer ${secretKey}` } })).json()) as T;
  const webhookTo = (body: string, header: string) =>
    fetch(`${gw.url}/notify/stripe/${stripeAccount}`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body });

  beforeAll(async () => {
    ({ gw, receiver, m } = await startFlowGateway({ db }));
    ({ id: stripeAccount, secretKey, webhookSecret } = await stripeAccountOf(gw, m.id));
  });
  afterAll(() => stopFlowGateway({ gw, receiver }));

  it('redirects to the hosted page, settles on approval via the signed webhook, and tells the merchant', async () => {
    const res = await create();
    expect(res.status).toBe(201);
    const p = res.body;
    expect(p.next_action?.type).toBe('redirect');
    expect(p.next_action!.url).toMatch(new RegExp(`^${gw.url}/sandbox/stripe/c/pay/cs_test_`));
    const page = await fetch(p.next_action!.url);
    const html = await page.text();
    expect(html).toContain('SANDBOX');
    expect(html).toContain('USD 20.00');
    expect(html).toMatch(/Approve[\s\S]*Decline[\s\S]*Cancel/);

    const pay = await payer(p.next_action!.url, 'success');
    expect(pay.status).toBe(200);
    const paid = (await pay.json()) as { redirect_url: string; payment_intent: { id: string; amount: number; currency: string } };
    expect(paid.redirect_url).toBe(`${gw.url}/pay/${p.id}/return`);
    expect(paid.payment_intent).toMatchObject({ amount: 2000, currency: 'usd' });

    const done = await until(p.id, 'succeeded');
    expect(done.attempts[0]!.provider_transaction_id).toBe(paid.payment_intent.id);
    // The simulator's webhooks reached the gateway and verified (the poll may have won the race to settle).
    const notes = await waitFor(async () => {
      const n = await gw.rt.ctx.db.selectFrom('notifications').select(['verdict']).where('payment_id', '=', p.id).execute();
      return n.length >= 2 ? n : undefined;
    }, { what: 'stripe webhooks recorded' });
    expect(notes.every((n) => n.verdict === 'accepted' || n.verdict === 'duplicate')).toBe(true);
    await waitFor(() => receiver.received.find((r) => r.body.includes(p.id) && r.body.includes('"payment.succeeded"')), { what: 'merchant webhook' });
  });

  it.each([
    ['JPY', 500, 'JPY 500'],
    ['KWD', 12340, 'KWD 12.340'],
  ])('%s %i is charged exactly', async (currency, amount, shown) => {
    const p = (await create({ currency, amount })).body;
    expect(p.amount).toBe(amount);
    expect(await (await fetch(p.next_action!.url)).text()).toContain(shown);
    const paid = (await (await payer(p.next_action!.url, 'success')).json()) as { payment_intent: { id: string } };
    const pi = await stripeApi<{ amount: number; amount_received: number; currency: string }>(`/v1/payment_intents/${paid.payment_intent.id}`);
    expect(pi).toMatchObject({ amount, amount_received: amount, currency: currency.toLowerCase() });
    const done = await until(p.id, 'succeeded');
    expect(done).toMatchObject({ amount, currency });
  });

  it('refuses a KWD amount Stripe cannot charge before creating anything', async () => {
    const res = await create({ currency: 'KWD', amount: 12345 });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('VALIDATION.AMOUNT_NOT_REPRESENTABLE');
    const list = await gw.api<{ data: Payment[] }>(m.key, 'GET', `/v1/payments?merchant_order_id=ST-${db}-${order}`);
    expect(list.body.data).toHaveLength(0);
  });

  // Issue 13: the Checkout Session stays open after a decline, so the payment does too (declines.test.ts).
  it('a declined card is recorded but leaves the payment open (webhook payment_intent.payment_failed)', async () => {
    const p = (await create()).body;
    expect((await payer(p.next_action!.url, 'fail')).status).toBe(200);
    await until(p.id, 'processing');
    await waitFor(() => receiver.received.find((r) => r.body.includes(p.id) && r.body.includes('"payment.processing"')), { what: 'payment.processing webhook' });
    expect(receiver.received.some((r) => r.body.includes(p.id) && r.body.includes('"payment.failed"'))).toBe(false);
  });

  it('a buyer who cancels goes back through Paygate; the merchant then cancels and the session expires', async () => {
    const p = (await create()).body;
    const back = (await (await payer(p.next_action!.url, 'cancel')).json()) as { redirect_url: string };
    expect(back.redirect_url).toBe(`${gw.url}/pay/${p.id}/return?canceled=true`);
    expect((await get(p.id)).status).toBe('requires_action');
    const c = await gw.api<Payment>(m.key, 'POST', `/v1/payments/${p.id}/cancel`);
    expect(c.status).toBe(200);
    expect(c.body.status).toBe('canceled');
    const session = await stripeApi<{ status: string }>(`/v1/checkout/sessions/${p.next_action!.url.split('/').pop()}`);
    expect(session.status).toBe('expired');
    expect((await payer(p.next_action!.url, 'success')).status).toBe(409);
  });

  it('partial then full refunds, reflected in the balance transactions', async () => {
    const p = (await create({ amount: 2000 })).body;
    const paid = (await (await payer(p.next_action!.url, 'success')).json()) as { payment_intent: { id: string } };
    await until(p.id, 'succeeded');
    const part = await gw.api<Refund>(m.key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 700, reason: 'size' });
    expect(part.status).toBe(201);
    expect(part.body).toMatchObject({ amount: 700, status: 'succeeded' });
    const rest = await gw.api<Refund>(m.key, 'POST', '/v1/refunds', { payment_id: p.id });
    expect(rest.body).toMatchObject({ amount: 1300, status: 'succeeded' });
    expect((await get(p.id)).amount_refunded).toBe(2000);
    const refunds = await stripeApi<{ data: Array<{ amount: number; metadata: Record<string, string> }> }>(`/v1/refunds?payment_intent=${paid.payment_intent.id}`);
    expect(refunds.data.map((r) => [r.amount, r.metadata.paygate_refund])).toEqual([[1300, rest.body.id], [700, part.body.id]]);
    const txns = await stripeApi<{ data: Array<{ type: string; amount: number }> }>('/v1/balance_transactions?limit=100&type=refund');
    expect(txns.data.slice(0, 2).map((t) => t.amount)).toEqual([-1300, -700]);
    const over = await gw.api<{ error: { code: string } }>(m.key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 1 });
    expect(over.status).toBe(422);
  });

  it('rejects forged, stale, tampered and wrong-secret webhooks and changes nothing; accepts a correctly signed one', async () => {
    const p = (await create()).body;
    const event = (type: string, amount = 2000) => JSON.stringify({
      id: `evt_test_${crypto.randomBytes(6).toString('hex')}`, object: 'event', type, created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'pi_forged', object: 'payment_intent', amount, amount_received: amount, currency: 'usd', status: 'succeeded', metadata: { paygate_reference: p.attempts[0]!.provider_reference } } },
    });
    const now = Math.floor(Date.now() / 1000);
    const body = event('payment_intent.succeeded');
    const attempts: Array<[string, string, string]> = [
      ['forged', body, 't=' + now + ',v1=' + 'ab'.repeat(32)],
      ['stale', body, sign(body, webhookSecret, now - 301)],
      ['tampered', event('payment_intent.succeeded', 1), sign(body, webhookSecret, now)],
      ['wrong secret', body, sign(body, 'whsec_not_the_secret', now)],
      ['no signature', body, ''],
    ];
    for (const [what, b, header] of attempts) {
      const res = await webhookTo(b, header);
      expect(res.status, what).toBe(400);
    }
    expect((await get(p.id)).status).toBe('requires_action');
    const rejected = await gw.rt.ctx.db.selectFrom('notifications').select('error_code').where('provider', '=', 'stripe').where('verdict', '=', 'rejected').execute();
    expect(rejected.map((r) => r.error_code)).toEqual(expect.arrayContaining(['NOTIFY.SIGNATURE_INVALID', 'NOTIFY.TIMESTAMP_OUT_OF_TOLERANCE']));

    // Any v1 may match (secret rotation): a bad one first, the right one second.
    const ok = await webhookTo(body, `${sign(body, 'whsec_old', now)},${sign(body, webhookSecret, now).split(',')[1]}`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ received: true });
    expect((await get(p.id)).status).toBe('succeeded');
  });
});
