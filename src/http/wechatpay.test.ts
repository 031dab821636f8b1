/**
 * WeChat Pay Native (wechat_native) end to end through HTTP, on SQLite and PostgreSQL:
 * create → pay in the simulator → AES-GCM encrypted, RSA-signed notification → succeeded →
 * merchant webhook; refunds with refund notifications; lost and duplicated notifications.
 * Then the oracle: notifications sealed and signed by wechatpay-axios-plugin are accepted,
 * and every tampering is rejected with nothing changed; platform-certificate rotation.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, startGateway, startReceiver, waitFor, type Gateway } from '../test-support/harness.js';
import { namedSandboxMerchant, stopFlowGateway, storedCredentials, type Receiver } from '../test-support/flow.js';
import {
  encryptedNotification, makeCertificate, readSimKeys, refundPlaintext, signedHeaders, transactionPlaintext, type SimKeys, type WxCredentials,
} from '../test-support/wechatpay-kit.js';

type Payment = { id: string; status: string; amount: number; amount_refunded: number; next_action: { type: string; qr_code: string } | null; attempts: Array<{ provider_reference: string; status: string }> };
type Refund = { id: string; status: string; amount: number };
type Event = { id: string; type: string; data: { object: { id: string; status: string } } };

describe.each(DB_KINDS)('WeChat Pay Native on %s', (db) => {
  let gw: Gateway;
  let receiver: Receiver;
  let key: string;
  let merchantId: string;
  let accountId: string;
  let creds: WxCredentials;
  let keys: SimKeys;
  let order = 0;

  const sim = (p: string, body: unknown) => fetch(`${gw.url}/sandbox/wechatpay${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const create = async (extra: Record<string, unknown> = {}) => {
    const r = await gw.api<Payment>(key, 'POST', '/v1/payments', { amount: 8888, currency: 'CNY', method: 'wechat_native', merchant_order_id: `WX-${db}-${++order}`, description: '2 张电影票', ...extra });
    expect(r.status).toBe(201);
    return r.body;
  };
  const get = async (id: string) => (await gw.api<Payment>(key, 'GET', `/v1/payments/${id}`)).body;
  const until = (id: string, status: string) => waitFor(async () => { const p = await get(id); return p.status === status ? p : undefined; }, { what: `${id} ${status}` });
  const eventsFor = (id: string) => receiver.received.map((r) => JSON.parse(r.body) as Event).filter((e) => e.data.object.id === id);
  const notes = (paymentId: string) => gw.rt.ctx.db.selectFrom('notifications').select(['verdict', 'error_code', 'provider']).where('payment_id', '=', paymentId).execute();
  const post = async (account: string, body: string, headers: Record<string, string>) => {
    const res = await fetch(`${gw.url}/notify/wechatpay/${account}`, { method: 'POST', headers, body });
    return { status: res.status, text: await res.text() };
  };
  const payNotice = (ref: string, amount: number, over: Record<string, unknown> = {}) =>
    encryptedNotification({ apiv3Key: creds.apiv3_key, eventType: 'TRANSACTION.SUCCESS', plaintext: transactionPlaintext(creds, ref, amount, over) });

  beforeAll(async () => {
    gw = await startGateway({ db });
    receiver = await startReceiver();
    ({ key, merchantId, accountId } = await namedSandboxMerchant(gw, `WX shop ${db}`, 'wechatpay', receiver.url));
    expect(accountId).toMatch(/^pa_/);
    creds = await storedCredentials<WxCredentials>(gw, accountId);
    keys = readSimKeys(path.join(gw.dataDir, 'sandbox'));
  });
  afterAll(() => stopFlowGateway({ gw, receiver }));

  it('create → pay in the simulator → encrypted notification → succeeded → webhook', async () => {
    const p = await create();
    expect(p.status).toBe('requires_action');
    expect(p.next_action?.qr_code).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=[A-Za-z0-9]+$/);
    const pay = await sim('/_payer/pay', { reference: p.next_action!.qr_code, outcome: 'success' });
    expect(pay.status).toBe(200);
    const done = await until(p.id, 'succeeded');
    expect(done.attempts[0]!.status).toBe('succeeded');
    await waitFor(() => eventsFor(p.id).find((e) => e.type === 'payment.succeeded'), { what: 'payment.succeeded webhook' });
    // The simulator's notification arrived and passed every check (signature, AES-GCM, ids, amount).
    const seen = await waitFor(async () => { const n = await notes(p.id); return n.length > 0 ? n : undefined; }, { what: 'notification recorded' });
    expect(seen.every((n) => n.verdict === 'accepted' || n.verdict === 'duplicate')).toBe(true);
  });

  it('refunds partially, then fully, each settled with a REFUND.SUCCESS notification', async () => {
    const p = await create({ amount: 5000 });
    await sim('/_payer/pay', { reference: p.next_action!.qr_code, outcome: 'success' });
    await until(p.id, 'succeeded');
    const part = await gw.api<Refund>(key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 1200, reason: '部分退款' });
    expect(part.status).toBe(201);
    await waitFor(async () => (await gw.api<Refund>(key, 'GET', `/v1/refunds/${part.body.id}`)).body.status === 'succeeded' || undefined, { what: 'partial refund' });
    const rest = await gw.api<Refund>(key, 'POST', '/v1/refunds', { payment_id: p.id });
    expect(rest.status).toBe(201);
    expect(rest.body.amount).toBe(3800);
    await waitFor(async () => (await get(p.id)).amount_refunded === 5000 || undefined, { what: 'full refund' });
    const over = await gw.api<{ error: { code: string } }>(key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 1 });
    expect(over.status).toBe(422);
    // Both refund notifications reached the gateway and were accepted (or found already applied by a refund query).
    await waitFor(async () => (await notes(p.id)).filter((n) => n.verdict !== 'rejected').length >= 3 || undefined, { what: 'refund notifications' });
    expect((await notes(p.id)).some((n) => n.verdict === 'rejected')).toBe(false);
    await waitFor(() => eventsFor(part.body.id).some((e) => e.type === 'refund.succeeded') && eventsFor(rest.body.id).some((e) => e.type === 'refund.succeeded') || undefined, { what: 'refund webhooks' });
  });

  it('settles by polling when the notification is lost', async () => {
    await sim('/_faults', { drop_notifications: true });
    try {
      const p = await create();
      await sim('/_payer/pay', { reference: p.next_action!.qr_code, outcome: 'success' });
      await until(p.id, 'succeeded');
      expect(await notes(p.id)).toHaveLength(0); // polling, not a notification, settled it
    } finally {
      await sim('/_faults', { drop_notifications: false });
    }
  });

  it('applies 50 concurrent duplicate notifications once: one transition, one event, one delivery', async () => {
    await sim('/_faults', { duplicate_notifications: true, duplicate_count: 50 });
    try {
      const p = await create();
      await sim('/_payer/pay', { reference: p.next_action!.qr_code, outcome: 'success' });
      await until(p.id, 'succeeded');
      const n = await waitFor(async () => { const x = await notes(p.id); return x.length >= 50 ? x : undefined; }, { what: '50 notifications recorded' });
      expect(n.filter((x) => x.verdict === 'accepted').length).toBeLessThanOrEqual(1); // a poll may win the race
      expect(n.filter((x) => x.verdict === 'accepted' || x.verdict === 'duplicate')).toHaveLength(50);
      const events = await gw.rt.ctx.db.selectFrom('events').select(['id', 'type']).where('object_id', '=', p.id).execute();
      expect(events.map((e) => e.type)).toEqual(['payment.succeeded']);
      const deliveries = await gw.rt.ctx.db.selectFrom('webhook_deliveries').select('id').where('event_id', '=', events[0]!.id).execute();
      expect(deliveries).toHaveLength(1);
      await waitFor(() => eventsFor(p.id).length >= 1 || undefined);
      await new Promise((r) => setTimeout(r, 300));
      expect(eventsFor(p.id)).toHaveLength(1);
    } finally {
      await sim('/_faults', { duplicate_notifications: false });
    }
  });

  it('accepts a notification sealed by wechatpay-axios-plugin AesGcm and signed by its Rsa.sign; answers 204', async () => {
    const p = await create({ amount: 1234 });
    const body = payNotice(p.attempts[0]!.provider_reference, 1234);
    const r = await post(accountId, body, signedHeaders(body, keys.publicKeyPrivate, keys.publicKeyId));
    expect(r).toEqual({ status: 204, text: '' });
    expect((await get(p.id)).status).toBe('succeeded');
    // WeChat retries with the same id: a no-op, still 204.
    expect((await post(accountId, body, signedHeaders(body, keys.publicKeyPrivate, keys.publicKeyId))).status).toBe(204);
    const events = await gw.rt.ctx.db.selectFrom('events').select('type').where('object_id', '=', p.id).execute();
    expect(events.map((e) => e.type)).toEqual(['payment.succeeded']);
  });

  it('rejects a wrong APIv3 key, tampered ciphertext or AAD, stale timestamp, wrong serial, another mchid, a changed amount — nothing changes', async () => {
    const p = await create({ amount: 777 });
    const ref = p.attempts[0]!.provider_reference;
    const sign = (body: string, ts?: number) => signedHeaders(body, keys.publicKeyPrivate, keys.publicKeyId, ts);
    const good = payNotice(ref, 777);
    const envelope = JSON.parse(good) as { resource: { ciphertext: string; associated_data: string } };
    const flip = (b64: string) => { const buf = Buffer.from(b64, 'base64'); buf[3] = buf[3]! ^ 1; return buf.toString('base64'); };
    const tamperedCipher = JSON.stringify({ ...envelope, resource: { ...envelope.resource, ciphertext: flip(envelope.resource.ciphertext) } });
    const tamperedAad = JSON.stringify({ ...envelope, resource: { ...envelope.resource, associated_data: 'refund' } });
    const other = makeCertificate();
    const cases: Array<[string, string, Record<string, string>, string]> = [
      ['wrong APIv3 key', encryptedNotification({ apiv3Key: 'A'.repeat(32), eventType: 'TRANSACTION.SUCCESS', plaintext: transactionPlaintext(creds, ref, 777) }), {}, 'NOTIFY.DECRYPTION_FAILED'],
      ['tampered ciphertext', tamperedCipher, {}, 'NOTIFY.DECRYPTION_FAILED'],
      ['tampered AAD', tamperedAad, {}, 'NOTIFY.DECRYPTION_FAILED'],
      ['stale timestamp', good, sign(good, Math.floor(Date.now() / 1000) - 301), 'NOTIFY.TIMESTAMP_OUT_OF_TOLERANCE'],
      ['wrong serial', good, signedHeaders(good, other.privateKey, 'PUB_KEY_ID_0199999999999999999999999999999999'), 'NOTIFY.SIGNATURE_INVALID'],
      ['right serial, wrong key', good, signedHeaders(good, other.privateKey, keys.publicKeyId), 'NOTIFY.SIGNATURE_INVALID'],
      ['SIGNTEST probe', good, { ...sign(good), 'wechatpay-signature': `WECHATPAY/SIGNTEST/${sign(good)['wechatpay-signature']}` }, 'NOTIFY.SIGNATURE_INVALID'],
      ['body changed after signing', good.replace('"summary":"支付成功"', '"summary":"x"'), sign(good), 'NOTIFY.SIGNATURE_INVALID'],
      ['another mchid', payNotice(ref, 777, { mchid: '1900000999' }), {}, 'NOTIFY.ACCOUNT_MISMATCH'],
      ['another appid', payNotice(ref, 777, { appid: 'wx0000000000000000' }), {}, 'NOTIFY.ACCOUNT_MISMATCH'],
      ['changed amount', payNotice(ref, 778, { amount: { total: 778, payer_total: 778, currency: 'CNY', payer_currency: 'CNY' } }), {}, 'NOTIFY.AMOUNT_MISMATCH'],
      ['other currency', payNotice(ref, 777, { amount: { total: 777, payer_total: 777, currency: 'USD', payer_currency: 'USD' } }), {}, 'NOTIFY.AMOUNT_MISMATCH'],
    ];
    for (const [what, body, headers, code] of cases) {
      const r = await post(accountId, body, Object.keys(headers).length > 0 ? headers : sign(body));
      expect(r.status, what).toBe(400);
      expect(JSON.parse(r.text), what).toEqual({ code: 'FAIL', message: '失败' });
      const last = await gw.rt.ctx.db.selectFrom('notifications').select(['verdict', 'error_code']).where('provider_account_id', '=', accountId).orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(last, what).toEqual({ verdict: 'rejected', error_code: code });
    }
    expect((await get(p.id)).status).toBe('requires_action');
    expect(await gw.rt.ctx.db.selectFrom('events').select('id').where('object_id', '=', p.id).execute()).toHaveLength(0);
    // The untouched notification still goes through: the rejections were about the tampering.
    expect((await post(accountId, good, sign(good))).status).toBe(204);
    expect((await get(p.id)).status).toBe('succeeded');
  });

  it('settles a refund from a REFUND.SUCCESS notification sealed by the oracle; refuses a different refund amount', async () => {
    const p = await create({ amount: 3000 });
    const ref = p.attempts[0]!.provider_reference;
    const paid = payNotice(ref, 3000);
    expect((await post(accountId, paid, signedHeaders(paid, keys.publicKeyPrivate, keys.publicKeyId))).status).toBe(204);
    // WeChat Pay is down for the refund call: the refund stays pending until a notification tells.
    await sim('/_faults', { error_rate: 1 });
    try {
      await refundByNotification(p.id, ref);
    } finally {
      await sim('/_faults', { error_rate: 0 });
    }
  });

  async function refundByNotification(paymentId: string, ref: string) {
    const r = await gw.api<Refund>(key, 'POST', '/v1/refunds', { payment_id: paymentId, amount: 1000 });
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('pending');
    const refundRow = await gw.rt.ctx.db.selectFrom('refunds').select('provider_reference').where('id', '=', r.body.id).executeTakeFirstOrThrow();
    const wrong = encryptedNotification({ apiv3Key: creds.apiv3_key, eventType: 'REFUND.SUCCESS', plaintext: refundPlaintext(creds.mchid, ref, refundRow.provider_reference, 999, 3000) });
    expect((await post(accountId, wrong, signedHeaders(wrong, keys.publicKeyPrivate, keys.publicKeyId))).status).toBe(400);
    expect((await gw.api<Refund>(key, 'GET', `/v1/refunds/${r.body.id}`)).body.status).toBe('pending');
    const right = encryptedNotification({ apiv3Key: creds.apiv3_key, eventType: 'REFUND.SUCCESS', plaintext: refundPlaintext(creds.mchid, ref, refundRow.provider_reference, 1000, 3000) });
    expect((await post(accountId, right, signedHeaders(right, keys.publicKeyPrivate, keys.publicKeyId))).status).toBe(204);
    expect((await gw.api<Refund>(key, 'GET', `/v1/refunds/${r.body.id}`)).body.status).toBe('succeeded');
    expect((await get(paymentId)).amount_refunded).toBe(1000);
  }

  it('platform-certificate mode: either of two configured certificates verifies, an unknown serial is rejected', async () => {
    const reg = (await (await sim('/_merchants', { mode: 'certificate' })).json()) as WxCredentials;
    expect(reg.platform_certificates).toHaveLength(1);
    const [oldCert, newCert, stranger] = [makeCertificate(), makeCertificate(), makeCertificate()];
    const acc = await gw.admin<{ id: string }>('POST', `/admin/merchants/${merchantId}/provider_accounts`, {
      provider: 'wechatpay', mode: 'sandbox', base_url: `${gw.url}/sandbox/wechatpay`,
      credentials: { ...reg, platform_certificates: [...reg.platform_certificates!, oldCert.pem, newCert.pem] },
    });
    expect(acc.status).toBe(201);
    const mk = async (amount: number) => {
      const r = await gw.api<Payment>(key, 'POST', '/v1/payments', { amount, currency: 'CNY', method: 'wechat_native', merchant_order_id: `WXC-${db}-${++order}`, provider_account_id: acc.body.id });
      expect(r.status).toBe(201);
      return r.body;
    };
    // The simulator signs for this merchant with its own platform certificate: create and pay work end to end.
    const viaSim = await mk(100);
    await sim('/_payer/pay', { reference: viaSim.next_action!.qr_code, outcome: 'success' });
    await until(viaSim.id, 'succeeded');
    for (const cert of [oldCert, newCert]) {
      const p = await mk(200);
      const body = encryptedNotification({ apiv3Key: reg.apiv3_key, eventType: 'TRANSACTION.SUCCESS', plaintext: transactionPlaintext(reg, p.attempts[0]!.provider_reference, 200) });
      expect((await post(acc.body.id, body, signedHeaders(body, cert.privateKey, cert.serial))).status).toBe(204);
      expect((await get(p.id)).status).toBe('succeeded');
    }
    const p = await mk(300);
    const body = encryptedNotification({ apiv3Key: reg.apiv3_key, eventType: 'TRANSACTION.SUCCESS', plaintext: transactionPlaintext(reg, p.attempts[0]!.provider_reference, 300) });
    expect((await post(acc.body.id, body, signedHeaders(body, stranger.privateKey, stranger.serial))).status).toBe(400);
    // A known serial does not help a key that is not its certificate's.
    expect((await post(acc.body.id, body, signedHeaders(body, stranger.privateKey, oldCert.serial))).status).toBe(400);
    expect((await get(p.id)).status).toBe('requires_action');
  });
});
