/**
 * Issue 11, fault 5: no buyer data or provider secret survives in stored notifications or
 * in the log, for every provider, on SQLite and PostgreSQL. Each provider's notification
 * carries its real personal and secret fields (Alipay buyer ids and login, WeChat Pay openid
 * inside the encrypted resource, UnionPay card and customer info, PayPal payer id, name and
 * e-mail from the simulator's own webhooks, Stripe client_secret and customer details),
 * is delivered through /notify, accepted, and then delivered again with a broken signature
 * (stored as unverified). The log is captured at trace level.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxMerchant } from '../sandbox/index.js';
import { DB_KINDS, startGateway, waitFor, type Gateway } from '../test-support/harness.js';
import { alipaySigner, spellings, stripeSigner, unionpaySigner, wechatpaySigner, type Signer, type SignedNotification } from '../test-support/notify-signers.js';
import { MASK } from '../app/mask.js';

type Payment = { id: string; status: string; next_action: { url?: string } | null; attempts: Array<{ provider_reference: string }> };

const SIGNED: Array<[string, string, string, number, (gw: Gateway, account: string) => Promise<Signer>, (n: SignedNotification) => SignedNotification]> = [
  ['alipay', 'alipay_qr', 'CNY', 8888, alipaySigner, (n) => ({ ...n, body: n.body.replace(/sign=[^&]+/, 'sign=AAAA') })],
  ['wechatpay', 'wechat_native', 'CNY', 8888, wechatpaySigner, (n) => ({ ...n, headers: { ...n.headers, 'wechatpay-signature': Buffer.alloc(256, 7).toString('base64') } })],
  ['unionpay', 'unionpay_qr', 'CNY', 8888, unionpaySigner, (n) => ({ ...n, body: n.body.replace('txnAmt=8888', 'txnAmt=1') })],
  ['stripe', 'stripe', 'USD', 2000, stripeSigner, (n) => ({ ...n, headers: { ...n.headers, 'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` } })],
];

describe.each(DB_KINDS)('notification privacy on %s', (db) => {
  let gw: Gateway;
  let key = '';
  let accounts: Record<string, string> = {};
  const log: string[] = [];
  let order = 0;

  beforeAll(async () => {
    gw = await startGateway({ db, env: { LOG_LEVEL: 'trace' }, logDestination: { write: (line: string) => { log.push(line); } } });
    const m = await createSandboxMerchant(gw.rt.ctx, gw.rt.simulators, `Privacy ${db}`);
    key = m.secret_key;
    accounts = Object.fromEntries(m.provider_accounts.map((a) => [a.provider, a.id]));
  });
  afterAll(async () => { await gw?.stop(); });

  const create = async (method: string, currency: string, amount: number) => {
    const r = await gw.api<Payment>(key, 'POST', '/v1/payments', { amount, currency, method, merchant_order_id: `PRIV-${db}-${++order}`, description: 'privacy check' });
    expect(r.status).toBe(201);
    return r.body;
  };
  const post = (provider: string, n: SignedNotification) => fetch(`${gw.url}/notify/${provider}/${accounts[provider]}`, { method: 'POST', headers: n.headers, body: n.body });
  const stored = async (provider: string) => gw.rt.ctx.db.selectFrom('notifications').select(['raw', 'verdict', 'error_code', 'payment_id']).where('provider_account_id', '=', accounts[provider]!).execute();

  /** The actual check: not one spelling of one sensitive value in any stored row or any log line. */
  async function expectNothingSurvives(provider: string, sensitive: string[]) {
    const rows = await stored(provider);
    const logText = log.join('');
    expect(logText.length).toBeGreaterThan(0);
    for (const value of sensitive) {
      expect(value.length, 'a sensitive value must be specific enough to find').toBeGreaterThan(5);
      for (const s of spellings(value)) {
        for (const r of rows) expect(r.raw, `${provider}: ${value} stored`).not.toContain(s);
        expect(logText, `${provider}: ${value} logged`).not.toContain(s);
      }
    }
    return rows;
  }

  it.each(SIGNED)('%s: accepted and a forged copy rejected, neither keeps personal or secret values', async (provider, method, currency, amount, makeSigner, forge) => {
    const p = await create(method, currency, amount);
    const sign = await makeSigner(gw, accounts[provider]!);
    const good = sign(p.attempts[0]!.provider_reference, amount);
    const ok = await post(provider, good);
    expect(ok.status, await ok.text()).toBeLessThan(300);
    expect((await gw.api<Payment>(key, 'GET', `/v1/payments/${p.id}`)).body.status).toBe('succeeded');
    const bad = await post(provider, forge(good));
    expect(bad.status).toBe(400);

    const rows = await expectNothingSurvives(provider, good.sensitive);
    const mine = rows.filter((r) => r.raw.includes(p.attempts[0]!.provider_reference.slice(4)));
    // Not vacuous: both deliveries are stored, readable (ids kept) and visibly masked.
    expect(mine.map((r) => r.verdict).sort()).toEqual(['accepted', 'rejected']);
    for (const r of mine) expect(r.raw).toContain(MASK);
  });

  it('paypal: the simulator\'s own webhooks (payer id, name, e-mail) and a forged one', async () => {
    const p = await create('paypal', 'USD', 1999);
    const orderId = new URL(p.next_action!.url!).searchParams.get('token')!;
    const pay = await fetch(`${gw.url}/sandbox/paypal/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: p.next_action!.url, outcome: 'success' }) });
    expect(pay.status).toBe(200);
    await waitFor(async () => (await gw.api<Payment>(key, 'GET', `/v1/payments/${p.id}`)).body.status === 'succeeded' || undefined, { what: 'paypal succeeded' });
    const notes = await waitFor(async () => {
      const n = await gw.rt.ctx.db.selectFrom('notifications').select(['raw', 'verdict']).where('payment_id', '=', p.id).execute();
      return n.some((x) => x.raw.includes('CHECKOUT.ORDER.APPROVED')) ? n : undefined;
    }, { what: 'approval webhook stored' });
    const simOrder = (await (await fetch(`${gw.url}/sandbox/paypal/_admin/orders/${orderId}`)).json()) as { order: { payer: { payer_id: string; email_address: string; name: { given_name: string; surname: string } } } };
    const payer = simOrder.order.payer;
    expect(payer.payer_id.length).toBeGreaterThan(5);

    // A forged webhook with the same payer: wrong key, so unverified; it must be masked just the same.
    const keys = JSON.parse(fs.readFileSync(path.join(gw.dataDir, 'sandbox', 'paypal-keys.json'), 'utf8')) as { certId: string };
    const body = JSON.stringify({ id: `WH-FORGED-${db}`, event_type: 'CHECKOUT.ORDER.APPROVED', resource_type: 'checkout-order', resource: { id: orderId, status: 'APPROVED', payer, purchase_units: [{ custom_id: p.attempts[0]!.provider_reference, amount: { currency_code: 'USD', value: '19.99' }, shipping: { name: { full_name: 'Hannah Forged-Buyer' } } }] } });
    const id = crypto.randomUUID();
    const time = new Date().toISOString();
    const sig = crypto.createSign('RSA-SHA256').update(`${id}|${time}|x|0`).sign(crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'base64');
    const forged = await fetch(`${gw.url}/notify/paypal/${accounts.paypal}`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', 'paypal-transmission-id': id, 'paypal-transmission-time': time, 'paypal-transmission-sig': sig, 'paypal-cert-url': `${gw.url}/sandbox/paypal/certs/${keys.certId}.pem`, 'paypal-auth-algo': 'SHA256withRSA' },
    });
    expect(forged.status).toBe(400);

    const rows = await expectNothingSurvives('paypal', [payer.payer_id, payer.email_address, `"${payer.name.given_name}"`, `"${payer.name.surname}"`, 'Hannah Forged-Buyer', sig]);
    expect(notes.length).toBeGreaterThan(0);
    expect(rows.find((r) => r.raw.includes(`WH-FORGED-${db}`))?.verdict).toBe('rejected');
    const approved = rows.find((r) => r.raw.includes('CHECKOUT.ORDER.APPROVED') && r.verdict !== 'rejected')!;
    expect(JSON.parse(approved.raw)).toMatchObject({ event_type: 'CHECKOUT.ORDER.APPROVED', resource: { id: orderId, payer: { payer_id: MASK, email_address: MASK, name: { given_name: MASK, surname: MASK } } } });
  });
});
