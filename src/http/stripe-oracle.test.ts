/**
 * Oracle: the official `stripe` npm package (a devDependency) checks both sides
 * independently of Paygate's code. A missing package fails the suite rather than skipping:
 * an oracle that silently does not run proves nothing.
 *  - its webhook signer (generateTestHeaderString) produces headers the gateway accepts;
 *  - its verifier (constructEvent) accepts the simulator's webhooks;
 *  - its client, pointed at the standalone simulator (host/port/protocol), creates and
 *    retrieves PaymentIntents and sees Stripe's error shapes.
 */
import crypto from 'node:crypto';
import StripePkg from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeSimulator } from '../simulators/stripe/index.js';
import { waitFor, type Gateway } from '../test-support/harness.js';
import { startFlowGateway, stopFlowGateway, stripeAccountOf, type Receiver, type SandboxMerchant } from '../test-support/flow.js';

interface StripeEvent { id: string; type: string; data: { object: { id: string; metadata?: Record<string, string> } } }
interface PaymentIntent { id: string; amount: number; currency: string; status: string; client_secret: string; metadata: Record<string, string> }
interface StripeClient {
  paymentIntents: {
    create(p: Record<string, unknown>, o?: { idempotencyKey?: string }): Promise<PaymentIntent>;
    retrieve(id: string): Promise<PaymentIntent>;
  };
  webhooks: {
    generateTestHeaderString(o: { payload: string; secret: string; timestamp?: number }): string;
    constructEvent(payload: string, header: string, secret: string, tolerance?: number): StripeEvent;
  };
}
type StripeCtor = new (key: string, config?: Record<string, unknown>) => StripeClient;

async function stripeCtor(): Promise<StripeCtor> {
  // The SDK's own types are richer than the slice this test uses; the cast narrows them.
  return StripePkg as unknown as StripeCtor;
}

describe('stripe package as the oracle', () => {
  let Stripe: StripeCtor;
  let gw: Gateway;
  let receiver: Receiver;
  let m: SandboxMerchant;
  let account: string;
  let webhookSecret: string;
  let secretKey: string;
  let n = 0;
  const create = async () => (await gw.api<{ id: string; next_action: { url: string }; attempts: Array<{ provider_reference: string }> }>(m.key, 'POST', '/v1/payments', { amount: 1500, currency: 'EUR', method: 'stripe', merchant_order_id: `OR-${++n}` })).body;
  const status = async (id: string) => (await gw.api<{ status: string }>(m.key, 'GET', `/v1/payments/${id}`)).body.status;

  beforeAll(async () => {
    Stripe = await stripeCtor();
    ({ gw, receiver, m } = await startFlowGateway({ db: 'sqlite' }, { webhook: false }));
    ({ id: account, secretKey, webhookSecret } = await stripeAccountOf(gw, m.id));
  });
  afterAll(() => stopFlowGateway({ gw, receiver }));

  it('the gateway accepts webhooks signed by stripe.webhooks.generateTestHeaderString, and only those', async () => {
    const stripe = new Stripe('sk_test_unused');
    const p = await create();
    const payload = JSON.stringify({ id: `evt_${crypto.randomBytes(8).toString('hex')}`, object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_oracle', object: 'payment_intent', amount: 1500, amount_received: 1500, currency: 'eur', status: 'succeeded', metadata: { paygate_reference: p.attempts[0]!.provider_reference } } } });
    const post = (header: string, body = payload) => fetch(`${gw.url}/notify/stripe/${account}`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body });
    const stale = stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret, timestamp: Math.floor(Date.now() / 1000) - 400 });
    expect((await post(stale)).status).toBe(400);
    expect((await post(stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_wrong' }))).status).toBe(400);
    expect((await post(stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }), payload.replace('1500', '1501'))).status).toBe(400);
    expect(await status(p.id)).toBe('requires_action');
    expect((await post(stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }))).status).toBe(200);
    expect(await status(p.id)).toBe('succeeded');
  });

  it("stripe.webhooks.constructEvent accepts the simulator's webhooks", async () => {
    const form = new URLSearchParams({ url: receiver.url, 'enabled_events[]': '*' }).toString();
    const ep = (await (await fetch(`${gw.url}/sandbox/stripe/v1/webhook_endpoints`, { method: 'POST', headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/x-www-form-urlencoded' }, body: form })).json()) as { secret: string };
    const p = await create();
    await fetch(`${gw.url}/sandbox/stripe/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: p.next_action.url, outcome: 'success' }) });
    const got = await waitFor(() => receiver.received.find((r) => r.body.includes('payment_intent.succeeded') && r.body.includes(p.attempts[0]!.provider_reference)), { what: 'simulator webhook' });
    const stripe = new Stripe('sk_test_unused');
    const event = stripe.webhooks.constructEvent(got.body, String(got.headers['stripe-signature']), ep.secret, 300);
    expect(event.type).toBe('payment_intent.succeeded');
    expect(event.data.object.metadata?.paygate_reference).toBe(p.attempts[0]!.provider_reference);
    expect(() => stripe.webhooks.constructEvent(got.body.replace('1500', '1501'), String(got.headers['stripe-signature']), ep.secret, 300)).toThrow();
  });

  it('the stripe client, pointed at the standalone simulator, creates and retrieves a PaymentIntent', async () => {
    const sim = await startStripeSimulator({ timeScale: 0.001 });
    try {
      const acct = sim.sim.registerAccount();
      const port = Number(new URL(sim.url).port);
      const stripe = new Stripe(acct.secret_key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });
      const created = await stripe.paymentIntents.create({ amount: 12340, currency: 'kwd', automatic_payment_methods: { enabled: true }, metadata: { order: 'A-1' } }, { idempotencyKey: 'oracle-1' });
      expect(created).toMatchObject({ amount: 12340, currency: 'kwd', status: 'requires_payment_method', metadata: { order: 'A-1' } });
      expect(created.client_secret.startsWith(`${created.id}_secret_`)).toBe(true);
      const again = await stripe.paymentIntents.create({ amount: 12340, currency: 'kwd', automatic_payment_methods: { enabled: true }, metadata: { order: 'A-1' } }, { idempotencyKey: 'oracle-1' });
      expect(again.id).toBe(created.id);
      expect((await stripe.paymentIntents.retrieve(created.id)).id).toBe(created.id);
      await expect(stripe.paymentIntents.create({ amount: 12345, currency: 'kwd' })).rejects.toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400 });
      const bad = new Stripe('sk_test_not_a_key_at_all', { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });
      await expect(bad.paymentIntents.retrieve(created.id)).rejects.toMatchObject({ type: 'StripeAuthenticationError', statusCode: 401 });
    } finally {
      await sim.close();
    }
  });
});
