/**
 * PayPal end to end through HTTP on SQLite and PostgreSQL, against the in-process simulator:
 * create → approve → capture → succeeded → merchant webhook; decline, cancel, refunds;
 * webhook rejections; capture exactly once under a webhook / return / poll race.
 * The webhook verification oracle below is written out independently (node:crypto + its own CRC-32).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, sandboxMerchant, startGateway, startReceiver, waitFor, type Gateway } from '../test-support/harness.js';

type Payment = { id: string; status: string; amount: number; amount_refunded: number; next_action: { type: string; url: string } | null; attempts: Array<{ status: string; provider_transaction_id: string | null }> };
type SimOrder = { order: { id: string; status: string; purchase_units: Array<{ amount: { currency_code: string; value: string }; payments?: { captures: Array<{ id: string }> } }> }; capture_requests: number; already_captured: number; captures: number };

/** CRC-32 by the textbook definition, independent of the gateway's and the simulator's. */
function oracleCrc32(buf: Buffer): number {
  let crc = 0xffffffff;
  for (let i = 0; i < buf.length; i++) {
    crc ^= buf[i]!;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function oracleVerify(headers: http.IncomingHttpHeaders, body: string, webhookId: string, certPem: string): boolean {
  const msg = `${String(headers['paypal-transmission-id'])}|${String(headers['paypal-transmission-time'])}|${webhookId}|${oracleCrc32(Buffer.from(body, 'utf8'))}`;
  return crypto.createVerify('RSA-SHA256').update(msg).verify(new crypto.X509Certificate(certPem).publicKey, String(headers['paypal-transmission-sig']), 'base64');
}

function sign(key: crypto.KeyObject, id: string, time: string, webhookId: string, body: string): string {
  return crypto.createSign('RSA-SHA256').update(`${id}|${time}|${webhookId}|${oracleCrc32(Buffer.from(body, 'utf8'))}`).sign(key, 'base64');
}

describe.each(DB_KINDS)('paypal on %s', (db) => {
  let gw: Gateway;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;
  let accountId = '';
  let creds: { client_id: string; client_secret: string; webhook_id: string };
  let order = 0;
  const simUrl = () => `${gw.url}/sandbox/paypal`;
  const simPost = (p: string, body: unknown) => fetch(`${simUrl()}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const simOrder = async (orderId: string) => (await (await fetch(`${simUrl()}/_admin/orders/${orderId}`)).json()) as SimOrder;
  const create = (amount: number, currency = 'USD', extra: Record<string, unknown> = {}) =>
    gw.api<Payment>(m.key, 'POST', '/v1/payments', { amount, currency, method: 'paypal', merchant_order_id: `PP-${db}-${++order}`, description: 'Sandbox order', ...extra });
  const get = async (id: string) => (await gw.api<Payment>(m.key, 'GET', `/v1/payments/${id}`)).body;
  const until = (id: string, status: string) => waitFor(async () => { const p = await get(id); return p.status === status ? p : undefined; }, { what: `${id} ${status}` });
  const orderIdOf = (p: Payment) => new URL(p.next_action!.url).searchParams.get('token')!;
  const eventsOf = async (id: string) => (await gw.rt.ctx.db.selectFrom('events').select('type').where('object_id', '=', id).execute()).map((e) => e.type);
  const delivered = (id: string, type: string) => receiver.received.filter((r) => r.body.includes(id) && r.body.includes(`"type":"${type}"`));
  const notify = (headers: Record<string, string>, body: string) => fetch(`${gw.url}/notify/paypal/${accountId}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  beforeAll(async () => {
    gw = await startGateway({ db });
    receiver = await startReceiver();
    m = await sandboxMerchant(gw, receiver.url);
    const row = await gw.rt.ctx.db.selectFrom('provider_accounts').selectAll().where('merchant_id', '=', m.id).where('provider', '=', 'paypal').executeTakeFirstOrThrow();
    accountId = row.id;
    creds = JSON.parse(gw.rt.ctx.vault.open(row.credentials_enc, `provider_account:${row.id}`)) as typeof creds;
  });
  afterAll(async () => {
    await receiver?.close();
    await gw?.stop();
  });

  it('USD: redirect to the approval page, approve, return through Paygate, captured once, succeeded, webhook', async () => {
    const res = await create(1999, 'USD', { return_url: 'https://shop.example/done?o=1' });
    expect(res.status).toBe(201);
    const p = res.body;
    expect(p.next_action?.type).toBe('redirect');
    expect(p.next_action!.url.startsWith(`${simUrl()}/checkoutnow?token=`)).toBe(true);
    const page = await fetch(p.next_action!.url);
    expect(await page.text()).toContain('19.99 USD');
    const decide = await fetch(`${simUrl()}/checkoutnow/decide`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${orderIdOf(p)}&outcome=success` });
    expect(decide.status).toBe(303);
    const back = decide.headers.get('location')!;
    expect(back.startsWith(`${gw.url}/pay/${p.id}/return?`)).toBe(true);
    const ret = await fetch(back, { redirect: 'manual' });
    expect(ret.status).toBe(303);
    expect(ret.headers.get('location')).toBe('https://shop.example/done?o=1');
    const done = await until(p.id, 'succeeded');
    const so = await simOrder(orderIdOf(p));
    expect(so.order.purchase_units[0]!.amount).toEqual({ currency_code: 'USD', value: '19.99' });
    expect(so.captures).toBe(1);
    expect(so.already_captured).toBe(0);
    // provider_transaction_id is the capture (what refunds need), not the order.
    expect(done.attempts[0]!.provider_transaction_id).toBe(so.order.purchase_units[0]!.payments!.captures[0]!.id);
    await waitFor(() => delivered(p.id, 'payment.succeeded').length > 0 || undefined, { what: 'merchant webhook' });
    expect(await eventsOf(p.id)).toEqual(expect.arrayContaining(['payment.processing', 'payment.succeeded']));
  });

  it('JPY has no decimals at PayPal: 500 JPY is "500" end to end; KWD is refused', async () => {
    const p = (await create(500, 'JPY')).body;
    expect(p.amount).toBe(500);
    expect((await simPost('/_payer/pay', { reference: p.next_action!.url, outcome: 'success' })).status).toBe(200);
    const done = await until(p.id, 'succeeded');
    expect(done.amount).toBe(500);
    expect((await simOrder(orderIdOf(p))).order.purchase_units[0]!.amount).toEqual({ currency_code: 'JPY', value: '500' });
    const kwd = await gw.api<{ error: { code: string } }>(m.key, 'POST', '/v1/payments', { amount: 1234, currency: 'KWD', method: 'paypal', merchant_order_id: `PP-KWD-${db}` });
    expect(kwd.status).toBe(400);
    expect(kwd.body.error.code).toBe('VALIDATION.UNSUPPORTED_CURRENCY');
  });

  it('declined at capture → failed with a payment.failed webhook', async () => {
    const p = (await create(4200)).body;
    await simPost('/_payer/pay', { reference: p.next_action!.url, outcome: 'fail' });
    await until(p.id, 'failed');
    await waitFor(() => delivered(p.id, 'payment.failed').length > 0 || undefined, { what: 'payment.failed webhook' });
    expect((await simOrder(orderIdOf(p))).captures).toBe(1);
  });

  it('buyer cancel keeps the payment open; after the merchant cancels, a late approval is never captured', async () => {
    const p = (await create(1500, 'EUR', { return_url: 'https://shop.example/back' })).body;
    const c = (await (await simPost('/_payer/pay', { reference: p.next_action!.url, outcome: 'cancel' })).json()) as { redirect_url: string };
    expect(c.redirect_url).toContain(`/pay/${p.id}/return?canceled=true`);
    const ret = await fetch(c.redirect_url, { redirect: 'manual' });
    expect(ret.headers.get('location')).toBe('https://shop.example/back');
    expect((await get(p.id)).status).toBe('requires_action');
    const canceled = await gw.api<Payment>(m.key, 'POST', `/v1/payments/${p.id}/cancel`);
    expect(canceled.body.status).toBe('canceled');
    await simPost('/_payer/pay', { reference: orderIdOf(p), outcome: 'success' });
    await waitFor(async () => (await gw.rt.ctx.db.selectFrom('notifications').select('id').where('payment_id', '=', p.id).execute()).length > 0 || undefined, { what: 'approval webhook' });
    await new Promise((r) => setTimeout(r, 200));
    expect((await simOrder(orderIdOf(p))).capture_requests).toBe(0);
    expect((await get(p.id)).status).toBe('canceled');
  });

  it('partial then full refund of the capture; never more than captured', async () => {
    const p = (await create(1000)).body;
    await simPost('/_payer/pay', { reference: p.next_action!.url, outcome: 'success' });
    await until(p.id, 'succeeded');
    const r1 = await gw.api<{ status: string; amount: number }>(m.key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 300 });
    expect(r1.status).toBe(201);
    expect(r1.body.status).toBe('succeeded');
    const r2 = await gw.api<{ status: string; amount: number }>(m.key, 'POST', '/v1/refunds', { payment_id: p.id });
    expect(r2.body).toMatchObject({ status: 'succeeded', amount: 700 });
    expect((await get(p.id)).amount_refunded).toBe(1000);
    expect((await gw.api(m.key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 1 })).status).toBe(422);
    // The PAYMENT.CAPTURE.REFUNDED webhooks verify and match their refunds (duplicates of what the API answer already applied).
    await waitFor(async () => {
      const n = await gw.rt.ctx.db.selectFrom('notifications').select(['verdict', 'error_code']).where('payment_id', '=', p.id).where('raw', 'like', '%PAYMENT.CAPTURE.REFUNDED%').execute();
      return n.length >= 2 && n.every((x) => x.verdict === 'duplicate' || x.verdict === 'accepted') ? n : undefined;
    }, { what: 'refund webhooks' });
  });

  it('refreshes the OAuth token once on a 401 and carries on', async () => {
    await simPost('/_admin/revoke_tokens', {});
    const p = await create(777);
    expect(p.status).toBe(201);
    expect(p.body.next_action?.type).toBe('redirect');
  });

  it('the simulator signs webhooks as PayPal does (independent oracle), via the real webhooks API', async () => {
    const inbox = await startReceiver();
    try {
      const tok = (await (await fetch(`${simUrl()}/v1/oauth2/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${creds.client_id}:${creds.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })).json()) as { access_token: string };
      const bad = await fetch(`${simUrl()}/v1/oauth2/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${creds.client_id}:nope`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
      expect(bad.status).toBe(401);
      expect((await fetch(`${simUrl()}/v2/checkout/orders/X`, { headers: { authorization: 'Bearer forged' } })).status).toBe(401);
      const wh = (await (await fetch(`${simUrl()}/v1/notifications/webhooks`, { method: 'POST', headers: { authorization: `Bearer ${tok.access_token}`, 'content-type': 'application/json' }, body: JSON.stringify({ url: inbox.url, event_types: [{ name: 'CHECKOUT.ORDER.APPROVED' }] }) })).json()) as { id: string };
      const p = (await create(2500)).body;
      await simPost('/_payer/pay', { reference: p.next_action!.url, outcome: 'success' });
      const got = await waitFor(() => inbox.received[0], { what: 'webhook at the inbox' });
      const cert = await (await fetch(String(got.headers['paypal-cert-url']))).text();
      expect(got.headers['paypal-auth-algo']).toBe('SHA256withRSA');
      expect(oracleVerify(got.headers, got.body, wh.id, cert)).toBe(true);
      expect(oracleVerify(got.headers, got.body.replace('25.00', '25.01'), wh.id, cert)).toBe(false);
      expect(oracleVerify(got.headers, got.body, creds.webhook_id, cert)).toBe(false);
      await until(p.id, 'succeeded');
    } finally {
      await inbox.close();
    }
  });

  it('rejects forged, stale, tampered webhooks and unpinned cert URLs: nothing changes, nothing is fetched', async () => {
    const p = (await create(3100)).body;
    const simKeys = JSON.parse(fs.readFileSync(path.join(gw.dataDir, 'sandbox', 'paypal-keys.json'), 'utf8')) as { certId: string; certPem: string; privateKeyPem: string };
    const simKey = crypto.createPrivateKey(simKeys.privateKeyPem);
    const certUrl = `${simUrl()}/certs/${simKeys.certId}.pem`;
    const reference = (await gw.rt.ctx.db.selectFrom('attempts').select('provider_reference').where('payment_id', '=', p.id).executeTakeFirstOrThrow()).provider_reference;
    const body = JSON.stringify({ id: `WH-TEST-${db}`, event_type: 'PAYMENT.CAPTURE.COMPLETED', resource_type: 'capture', resource: { id: 'CAPTURETEST000001', status: 'COMPLETED', amount: { currency_code: 'USD', value: '31.00' }, custom_id: reference, invoice_id: reference } });
    const headersFor = (o: { key?: crypto.KeyObject; time?: string; url?: string; b?: string } = {}) => {
      const id = crypto.randomUUID();
      const time = o.time ?? new Date().toISOString();
      return { 'paypal-transmission-id': id, 'paypal-transmission-time': time, 'paypal-transmission-sig': sign(o.key ?? simKey, id, time, creds.webhook_id, o.b ?? body), 'paypal-cert-url': o.url ?? certUrl, 'paypal-auth-algo': 'SHA256withRSA' };
    };
    let hits = 0;
    const trap = http.createServer((_req, res) => { hits++; res.end(simKeys.certPem); });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
    const trapUrl = `http://127.0.0.1:${(trap.address() as { port: number }).port}/sandbox/paypal/certs/${simKeys.certId}.pem`;
    try {
      const { privateKey: otherKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
      const cases: Array<[string, Record<string, string>, string, string]> = [
        ['forged', headersFor({ key: otherKey }), body, 'NOTIFY.SIGNATURE_INVALID'],
        ['stale', headersFor({ time: new Date(Date.now() - 400_000).toISOString() }), body, 'NOTIFY.TIMESTAMP_OUT_OF_TOLERANCE'],
        ['tampered', headersFor(), body.replace('CAPTURETEST000001', 'CAPTURETEST000002'), 'NOTIFY.SIGNATURE_INVALID'],
        ['unpinned host', headersFor({ url: trapUrl }), body, 'NOTIFY.CERT_URL_UNTRUSTED'],
        ['look-alike host', headersFor({ url: `https://api.sandbox.paypal.com.evil.example/certs/x.pem` }), body, 'NOTIFY.CERT_URL_UNTRUSTED'],
      ];
      for (const [name, headers, b, code] of cases) {
        const res = await notify(headers, b);
        expect(res.status, name).toBe(400);
        const rec = await gw.rt.ctx.db.selectFrom('notifications').select('error_code').where('raw', 'like', `%WH-TEST-${db}%`).orderBy('id', 'desc').executeTakeFirstOrThrow();
        expect(rec.error_code, name).toBe(code);
      }
      expect(hits).toBe(0);
      expect((await get(p.id)).status).toBe('requires_action');
      expect(await eventsOf(p.id)).toEqual([]);
      // The same construction, correctly signed, is accepted: the rejections above are about the flaw, not the test.
      const ok = await notify(headersFor(), body);
      expect(ok.status).toBe(200);
      expect((await get(p.id)).status).toBe('succeeded');
    } finally {
      trap.closeAllConnections();
      await new Promise<void>((r) => trap.close(() => r()));
    }
  });

  it('acknowledges an authentic event of a type Paygate does not act on with a 2xx (else PayPal retries it for three days)', async () => {
    const simKeys = JSON.parse(fs.readFileSync(path.join(gw.dataDir, 'sandbox', 'paypal-keys.json'), 'utf8')) as { certId: string; privateKeyPem: string };
    const simKey = crypto.createPrivateKey(simKeys.privateKeyPem);
    const eventId = `WH-OTHER-${db}`;
    const body = JSON.stringify({ id: eventId, event_version: '1.0', event_type: 'BILLING.SUBSCRIPTION.CREATED', resource_type: 'subscription', resource: { id: 'I-BW452GLLEP1G', status: 'APPROVAL_PENDING' } });
    const id = crypto.randomUUID();
    const time = new Date().toISOString();
    const headers = { 'paypal-transmission-id': id, 'paypal-transmission-time': time, 'paypal-transmission-sig': sign(simKey, id, time, creds.webhook_id, body), 'paypal-cert-url': `${simUrl()}/certs/${simKeys.certId}.pem`, 'paypal-auth-algo': 'SHA256withRSA' };
    const res = await notify(headers, body);
    expect(res.status).toBe(200);
    const rec = await gw.rt.ctx.db.selectFrom('notifications').select(['verdict', 'error_code', 'notification_id']).where('notification_id', '=', eventId).executeTakeFirstOrThrow();
    expect(rec).toEqual({ verdict: 'ignored', error_code: null, notification_id: eventId });
    // Authenticity still decides: the same event signed by someone else is refused.
    const { privateKey: otherKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect((await notify({ ...headers, 'paypal-transmission-sig': sign(otherKey, id, time, creds.webhook_id, body) }, body)).status).toBe(400);
  });

  it('captures exactly once when the approval webhook, the return and a poll race (50 payments)', async () => {
    const payments: Payment[] = [];
    for (let i = 0; i < 50; i++) payments.push((await create(100 + i)).body);
    const runOne = async (p: Payment) => {
      const approved = (await (await simPost('/_payer/pay', { reference: p.next_action!.url, outcome: 'success' })).json()) as { redirect_url: string };
      // The webhook is already on its way; the buyer's return and a poll start at the same moment.
      await Promise.all([
        fetch(approved.redirect_url, { redirect: 'manual' }).then((r) => r.arrayBuffer()),
        gw.api(m.key, 'GET', `/v1/payments/${p.id}?refresh=true`),
        gw.api(m.key, 'GET', `/v1/payments/${p.id}?refresh=true`),
      ]);
    };
    for (let i = 0; i < payments.length; i += 10) await Promise.all(payments.slice(i, i + 10).map(runOne));
    for (const p of payments) await until(p.id, 'succeeded');
    for (const p of payments) {
      const so = await simOrder(orderIdOf(p));
      expect(so.captures).toBe(1);
      expect(so.already_captured).toBe(0);
      expect((await eventsOf(p.id)).filter((t) => t === 'payment.succeeded')).toHaveLength(1);
    }
    await waitFor(() => payments.every((p) => delivered(p.id, 'payment.succeeded').length > 0) || undefined, { what: 'all webhooks', timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 300));
    // Delivery is at least once: under load a slow 2xx can time out and be sent again, but
    // always as the same event. One event id per payment is the exactly-once guarantee.
    for (const p of payments) {
      const ids = new Set(delivered(p.id, 'payment.succeeded').map((r) => (JSON.parse(r.body) as { id: string }).id));
      expect(ids.size).toBe(1);
    }
  }, 120_000);
});
