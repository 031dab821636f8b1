/**
 * Stripe payment_intent.succeeded webhook events, signed here as Stripe documents it,
 * independently of the connector and the simulator:
 *   Stripe-Signature: t=<unix seconds>,v1=hex(HMAC-SHA256(endpoint secret, "<t>.<raw body>"))
 * with the sandbox account's webhook secret (whsec_…), as entered by the merchant. The
 * PaymentIntent carries Paygate's reference in metadata.paygate_reference, as Checkout copies
 * it from payment_intent_data.metadata at create.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { credential, rawAccount, type BenchGateway } from './gateway.js';
import type { NotifyTarget, Signer, SignedNotification } from './notify-common.js';

export async function stripeSigner(gw: BenchGateway): Promise<Signer> {
  const secret = credential((await rawAccount(gw, 'stripe')).credentials, 'webhook_secret');

  const one = (t: NotifyTarget, created: number): SignedNotification => {
    const id = randomBytes(12).toString('hex');
    const body = JSON.stringify({
      id: `evt_bench${id}`, object: 'event', api_version: '2024-06-20', created, livemode: false, pending_webhooks: 1,
      request: { id: null, idempotency_key: null }, type: 'payment_intent.succeeded',
      data: {
        object: {
          id: `pi_bench${id}`, object: 'payment_intent', amount: t.amount, amount_received: t.amount, amount_capturable: 0,
          currency: t.currency.toLowerCase(), status: 'succeeded', livemode: false, created: created - 30,
          latest_charge: `ch_bench${id}`, metadata: { paygate_reference: t.reference },
        },
      },
    });
    const v1 = createHmac('sha256', secret).update(`${created}.${body}`, 'utf8').digest('hex');
    return { body, headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': `t=${created},v1=${v1}` } };
  };
  return (targets) => {
    const created = Math.floor(Date.now() / 1000);
    return targets.map((t) => one(t, created));
  };
}
