/**
 * Stripe disputes and refunds made outside Paygate, end to end on SQLite and PostgreSQL:
 * the simulator's sandbox dashboard opens a dispute on a paid intent, moves it to won or
 * lost, and refunds by hand; its signed webhooks reach the gateway, and the payment, the
 * dispute list and the merchant's events follow — nothing counted twice, whether an event
 * arrives twice, a Paygate refund's own charge.refunded comes in, or a refund is only learnt
 * from the provider's list. The `stripe` package checks the simulator's dispute events.
 */
import crypto from 'node:crypto';
import StripePkg from 'stripe';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, waitFor, type Gateway } from '../test-support/harness.js';
import { startFlowGateway, stopFlowGateway, stripeAccountOf, type Receiver, type SandboxMerchant } from '../test-support/flow.js';

type Dispute = { id: string; object: string; payment_id: string; kind: string; status: string; amount: number; currency: string; reason: string | null; provider_status: string | null; closed_at: string | null };
type Payment = { id: string; status: string; amount_refunded: number; disputed: boolean; disputes: Dispute[]; next_action: { url: string } | null; attempts: Array<{ provider_transaction_id: string | null }> };
type Refund = { id: string; status: string; amount: number; origin: string };
type Body = { error?: { code: string } };

/** Required keys of stripe-node's Dispute; the compile-time check below fails when the SDK adds one. */
const DISPUTE_KEYS = ['id', 'object', 'amount', 'balance_transactions', 'charge', 'created', 'currency', 'enhanced_eligibility_types', 'evidence', 'evidence_details',
  'intended_submission_method', 'is_charge_refundable', 'livemode', 'metadata', 'payment_intent', 'reason', 'status'] as const;
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
const complete: Exclude<RequiredKeys<Stripe.Dispute>, (typeof DISPUTE_KEYS)[number]> extends never ? true : false = true;

describe.each(DB_KINDS)('stripe disputes and outside refunds on %s', (db) => {
  let gw: Gateway;
  let receiver: Receiver;
  let m: SandboxMerchant;
  let account: string;
  let secretKey: string;
  let webhookSecret: string;
  let n = 0;
  const sim = (path: string, params: Record<string, string>) => fetch(`${gw.url}/sandbox/stripe${path}`, {
    method: 'POST', headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString(),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
  const get = async (id: string) => (await gw.api<Payment>(m.key, 'GET', `/v1/payments/${id}`)).body;
  const events = (type: string, id: string) => receiver.received.filter((r) => r.body.includes(`"${type}"`) && r.body.includes(id));
  const refundsOf = async (id: string) => (await gw.api<{ data: Refund[] }>(m.key, 'GET', `/v1/refunds?payment_id=${id}`)).body.data;

  async function paid(amount = 2000): Promise<{ id: string; pi: string }> {
    const p = (await gw.api<Payment>(m.key, 'POST', '/v1/payments', { amount, currency: 'USD', method: 'stripe', merchant_order_id: `DSP-${db}-${++n}` })).body;
    await fetch(`${gw.url}/sandbox/stripe/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: p.next_action!.url, outcome: 'success' }) });
    const done = await waitFor(async () => { const x = await get(p.id); return x.status === 'succeeded' && x.attempts[0]!.provider_transaction_id ? x : undefined; }, { what: `${p.id} paid` });
    return { id: p.id, pi: done.attempts[0]!.provider_transaction_id! };
  }
  const until = (id: string, ok: (p: Payment) => boolean, what: string) => waitFor(async () => { const p = await get(id); return ok(p) ? p : undefined; }, { what });

  beforeAll(async () => {
    ({ gw, receiver, m } = await startFlowGateway({ db }));
    ({ id: account, secretKey, webhookSecret } = await stripeAccountOf(gw, m.id));
  });
  afterAll(() => stopFlowGateway({ gw, receiver }));

  it('a dispute opened, reviewed and won: payment.disputed, listed, refunds refused while open, dispute.closed, disputed false', async () => {
    expect(complete).toBe(true);
    const p = await paid();
    const opened = await sim('/_dashboard/disputes', { payment_intent: p.pi, reason: 'product_not_received' });
    expect(opened.status).toBe(200);
    const dp = String(opened.body.id);
    const disputed = await until(p.id, (x) => x.disputed, 'disputed');
    expect(disputed.disputes).toEqual([expect.objectContaining({ object: 'dispute', payment_id: p.id, kind: 'dispute', status: 'open', amount: 2000, currency: 'USD', reason: 'product_not_received', closed_at: null })]);
    await waitFor(() => events('payment.disputed', p.id)[0], { what: 'payment.disputed webhook' });
    const listed = (await gw.api<{ data: Dispute[] }>(m.key, 'GET', `/v1/disputes?payment_id=${p.id}`)).body.data;
    expect(listed.map((d) => d.id)).toEqual([disputed.disputes[0]!.id]);
    expect((await gw.api<Dispute>(m.key, 'GET', `/v1/disputes/${listed[0]!.id}`)).body.status).toBe('open');
    const refused = await gw.api<Body>(m.key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 100 });
    expect([refused.status, refused.body.error?.code]).toEqual([422, 'REFUND.PAYMENT_DISPUTED']);

    expect((await sim(`/_dashboard/disputes/${dp}`, { status: 'under_review' })).status).toBe(200);
    await until(p.id, (x) => x.disputes[0]?.provider_status === 'under_review', 'under review');
    expect((await get(p.id)).disputed).toBe(true);
    expect((await sim(`/_dashboard/disputes/${dp}`, { status: 'won' })).status).toBe(200);
    const won = await until(p.id, (x) => !x.disputed, 'won');
    expect(won.disputes[0]).toMatchObject({ status: 'won', provider_status: 'won' });
    expect(won.disputes[0]!.closed_at).not.toBeNull();
    await waitFor(() => events('dispute.closed', p.id)[0], { what: 'dispute.closed webhook' });
    // funds_reinstated follows the close and changes nothing; one payment.disputed, one dispute.closed in all.
    await waitFor(async () => (await gw.rt.ctx.db.selectFrom('notifications').select('id').where('payment_id', '=', p.id).where('verdict', 'in', ['accepted', 'duplicate']).execute()).length >= 6, { what: 'all dispute events' });
    const evs = await gw.rt.ctx.db.selectFrom('events').select('type').where('object_id', '=', won.disputes[0]!.id).execute();
    expect(evs.map((e) => e.type).sort()).toEqual(['dispute.closed', 'payment.disputed']);
  });

  it('a lost dispute keeps the payment disputed and lowers what may be refunded', async () => {
    const p = await paid(2000);
    const opened = await sim('/_dashboard/disputes', { payment_intent: p.pi, amount: '500' });
    await until(p.id, (x) => x.disputed, 'disputed');
    await sim(`/_dashboard/disputes/${String(opened.body.id)}`, { status: 'lost' });
    const lost = await until(p.id, (x) => x.disputes[0]?.status === 'lost', 'lost');
    expect(lost.disputed).toBe(true);
    await waitFor(() => events('dispute.closed', p.id)[0], { what: 'dispute.closed webhook' });
    expect((await gw.api<Body>(m.key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 1501 })).body.error?.code).toBe('REFUND.AMOUNT_EXCEEDS_REFUNDABLE');
    // What the lost dispute did not take can still be refunded, at the gateway and at Stripe alike.
    const rest = await gw.api<Refund>(m.key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 1500 });
    expect([rest.status, rest.body.status]).toEqual([201, 'succeeded']);
    expect((await get(p.id)).amount_refunded).toBe(1500);
  });

  it('a dashboard refund becomes a refund of origin provider, counted once, with refund.succeeded', async () => {
    const p = await paid(2000);
    const r = await sim('/_dashboard/refunds', { payment_intent: p.pi, amount: '700' });
    expect(r.status).toBe(200);
    const after = await until(p.id, (x) => x.amount_refunded === 700, 'refunded 700');
    expect(after.amount_refunded).toBe(700);
    // refund.created and charge.refunded both arrive; the second matches by the provider's refund id.
    // Two payment events and two refund events, each settled (accepted or duplicate) rather than failing and being retried.
    await waitFor(async () => (await gw.rt.ctx.db.selectFrom('notifications').select('verdict').where('payment_id', '=', p.id).where('verdict', 'in', ['accepted', 'duplicate']).execute()).length >= 4, { what: 'both refund events settled' });
    const refunds = await refundsOf(p.id);
    expect(refunds).toEqual([expect.objectContaining({ amount: 700, status: 'succeeded', origin: 'provider' })]);
    const ev = await waitFor(() => events('refund.succeeded', refunds[0]!.id)[0], { what: 'refund.succeeded webhook' });
    expect(JSON.parse(ev.body)).toMatchObject({ type: 'refund.succeeded', data: { object: { id: refunds[0]!.id, origin: 'provider', amount: 700 } } });
    expect((await get(p.id)).amount_refunded).toBe(700);
  });

  it("a Paygate refund's own charge.refunded, and every event delivered three times, never double-count", async () => {
    await fetch(`${gw.url}/sandbox/stripe/_faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ duplicate_notifications: true, duplicate_count: 3 }) });
    try {
      const p = await paid(2000);
      const ours = await gw.api<Refund>(m.key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 300 });
      expect(ours.status).toBe(201);
      await sim('/_dashboard/refunds', { payment_intent: p.pi, amount: '200' });
      await until(p.id, (x) => x.amount_refunded === 500, 'refunded 500');
      await waitFor(async () => (await gw.rt.ctx.db.selectFrom('notifications').select('id').where('payment_id', '=', p.id).execute()).length >= 12, { what: 'duplicated refund events' });
      const refunds = await refundsOf(p.id);
      expect(refunds.map((r) => [r.amount, r.origin, r.status]).sort()).toEqual([[200, 'provider', 'succeeded'], [300, 'paygate', 'succeeded']]);
      expect((await get(p.id)).amount_refunded).toBe(500);
    } finally {
      await fetch(`${gw.url}/sandbox/stripe/_faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ duplicate_notifications: false }) });
    }
  });

  it("a refund whose events were lost is found in Stripe's refund list when a later charge.refunded shows the higher total", async () => {
    const p = await paid(2000);
    await fetch(`${gw.url}/sandbox/stripe/_faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ drop_notifications: true }) });
    await sim('/_dashboard/refunds', { payment_intent: p.pi, amount: '400' });
    await fetch(`${gw.url}/sandbox/stripe/_faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ drop_notifications: false }) });
    await new Promise((r) => setTimeout(r, 200));
    expect((await get(p.id)).amount_refunded).toBe(0);
    await sim('/_dashboard/refunds', { payment_intent: p.pi, amount: '100' });
    const after = await until(p.id, (x) => x.amount_refunded === 500, 'refunded 500 after reconciliation');
    expect(after.amount_refunded).toBe(500);
    expect((await refundsOf(p.id)).map((r) => r.amount).sort()).toEqual([100, 400]);
  });

  it('the same dispute event delivered twice is recorded once; a forged or over-amount one changes nothing', async () => {
    const p = await paid(2000);
    const opened = await sim('/_dashboard/disputes', { payment_intent: p.pi });
    await until(p.id, (x) => x.disputed, 'disputed');
    const dispute = (await (await fetch(`${gw.url}/sandbox/stripe/v1/disputes/${String(opened.body.id)}`, { headers: { authorization: `Bearer ${secretKey}` } })).json()) as Record<string, unknown>;
    const stripe = new (StripePkg as unknown as new (k: string) => { webhooks: { generateTestHeaderString(o: { payload: string; secret: string }): string } })('sk_test_unused');
    const post = (body: string, secret = webhookSecret) => fetch(`${gw.url}/notify/stripe/${account}`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret }) }, body });
    const closed = JSON.stringify({ id: `evt_${crypto.randomBytes(8).toString('hex')}`, object: 'event', type: 'charge.dispute.closed', data: { object: { ...dispute, status: 'lost' } } });
    expect((await post(closed, 'whsec_forged')).status).toBe(400);
    expect((await get(p.id)).disputes[0]!.status).toBe('open');
    const tooMuch = JSON.stringify({ id: `evt_${crypto.randomBytes(8).toString('hex')}`, object: 'event', type: 'charge.dispute.updated', data: { object: { ...dispute, amount: 2001 } } });
    expect((await post(tooMuch)).status).toBe(400);
    expect((await post(closed)).status).toBe(200);
    expect((await post(closed)).status).toBe(200);
    const after = await get(p.id);
    expect(after.disputes).toHaveLength(1);
    expect(after.disputes[0]).toMatchObject({ status: 'lost', amount: 2000 });
    const evs = await gw.rt.ctx.db.selectFrom('events').select('type').where('object_id', '=', after.disputes[0]!.id).execute();
    expect(evs.map((e) => e.type).sort()).toEqual(['dispute.closed', 'payment.disputed']);
    const verdicts = await gw.rt.ctx.db.selectFrom('notifications').select(['verdict', 'error_code']).where('payment_id', '=', p.id).execute();
    expect(verdicts).toContainEqual({ verdict: 'rejected', error_code: 'NOTIFY.AMOUNT_MISMATCH' });
    expect(verdicts).toContainEqual({ verdict: 'duplicate', error_code: null });
  });

  it("stripe.webhooks.constructEvent accepts the simulator's dispute events, whose object has every field stripe-node declares", async () => {
    const form = new URLSearchParams({ url: receiver.url, 'enabled_events[]': 'charge.dispute.created' }).toString();
    const ep = (await (await fetch(`${gw.url}/sandbox/stripe/v1/webhook_endpoints`, { method: 'POST', headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/x-www-form-urlencoded' }, body: form })).json()) as { secret: string };
    const p = await paid();
    const opened = await sim('/_dashboard/disputes', { payment_intent: p.pi });
    const got = await waitFor(() => receiver.received.find((r) => r.body.includes('"charge.dispute.created"') && r.body.includes(String(opened.body.id))), { what: 'simulator dispute webhook' });
    const oracle = new (StripePkg as unknown as new (k: string) => { webhooks: { constructEvent(b: string, h: string, s: string, t: number): { type: string; data: { object: Record<string, unknown> } } } })('sk_test_unused');
    const event = oracle.webhooks.constructEvent(got.body, String(got.headers['stripe-signature']), ep.secret, 300);
    expect(event.type).toBe('charge.dispute.created');
    for (const k of DISPUTE_KEYS) expect(event.data.object, k).toHaveProperty(k);
    expect(event.data.object).toMatchObject({ object: 'dispute', payment_intent: p.pi, amount: 2000, currency: 'usd', status: 'needs_response' });
  });
});
