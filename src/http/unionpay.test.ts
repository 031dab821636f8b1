/**
 * unionpay_qr through HTTP only, on SQLite and on PostgreSQL: create → pay in the UnionPay
 * simulator → signed notification → succeeded → signed webhook; refunds (partial, full),
 * cancel (consume undo), a dropped notification settled by polling, and notifications
 * forged or malformed by an independent signer (node:crypto step by step) that must
 * change nothing.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, startGateway, startReceiver, waitFor, type Gateway } from '../test-support/harness.js';
import { namedSandboxMerchant, stopFlowGateway, withFaults, type Receiver } from '../test-support/flow.js';

type Payment = { id: string; status: string; amount: number; amount_refunded: number; next_action: { type: string; qr_code: string } | null; attempts: Array<{ id: string; provider_reference: string; provider_transaction_id: string | null; status: string }> };
type Refund = { id: string; status: string; amount: number };

/** The oracle: ACP 5.1.0 signMethod 01 written out, sharing nothing with connector or simulator. */
function oracleSign(fields: Record<string, string>, keyPem: string): string {
  const keys = Object.keys(fields).filter((k) => k !== 'signature' && fields[k] !== '').sort();
  const text = keys.map((k) => `${k}=${fields[k]}`).join('&');
  const hexDigest = crypto.createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
  return crypto.sign('sha256', Buffer.from(hexDigest, 'utf8'), keyPem).toString('base64');
}

describe.each(DB_KINDS)('unionpay_qr on %s', (db) => {
  let gw: Gateway;
  let receiver: Receiver;
  let key = '';
  let accountId = '';
  let merId = '';
  let ca: { signCertPem: string; signKeyPem: string };
  let order = 0;
  const sim = (p: string, body: unknown) => fetch(`${gw.url}/sandbox/unionpay${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const create = async (amount = 8888) =>
    gw.api<Payment>(key, 'POST', '/v1/payments', { amount, currency: 'CNY', method: 'unionpay_qr', merchant_order_id: `UP-${db}-${++order}`, description: 'tickets' });
  const get = async (id: string) => (await gw.api<Payment>(key, 'GET', `/v1/payments/${id}`)).body;
  const until = (id: string, status: string) => waitFor(async () => { const p = await get(id); return p.status === status ? p : undefined; }, { what: `${id} ${status}` });
  const refundUntil = (id: string, status: string) => waitFor(async () => { const r = (await gw.api<Refund>(key, 'GET', `/v1/refunds/${id}`)).body; return r.status === status ? r : undefined; }, { what: `${id} ${status}` });
  const notify = (body: string) => fetch(`${gw.url}/notify/unionpay/${accountId}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const lastVerdict = async () => gw.rt.ctx.db.selectFrom('notifications').select(['verdict', 'error_code']).where('provider', '=', 'unionpay').orderBy('id', 'desc').executeTakeFirstOrThrow();

  beforeAll(async () => {
    gw = await startGateway({ db });
    receiver = await startReceiver();
    ({ key, accountId } = await namedSandboxMerchant(gw, `UP shop ${db}`, 'unionpay', receiver.url));
    // The simulator's CA lives in the data dir (generated at first start).
    ca = JSON.parse(fs.readFileSync(path.join(gw.dataDir, 'sandbox', 'unionpay-ca.json'), 'utf8')) as typeof ca;
  });
  afterAll(() => stopFlowGateway({ gw, receiver }));

  it('settles a paid QR order from the signed notification and delivers the webhook', async () => {
    expect(accountId).toMatch(/^pa_/);
    const res = await create();
    expect(res.status).toBe(201);
    const p = res.body;
    expect(p.next_action?.qr_code).toContain('/sandbox/unionpay/qr/');
    const pay = await sim('/_payer/pay', { reference: p.next_action!.qr_code, outcome: 'success' });
    expect(pay.status).toBe(200);
    merId = ((await pay.json()) as { mer_id: string }).mer_id;
    const done = await until(p.id, 'succeeded');
    expect(done.attempts[0]!.provider_transaction_id).toMatch(/^\d{21}$/);
    await waitFor(() => receiver.received.find((r) => r.body.includes(p.id) && r.body.includes('payment.succeeded')), { what: 'webhook' });
    // UnionPay's own query schedule starts 1 s (time-scaled: 1 ms) after create, so a poll
    // may settle the payment before the notification lands; either way the notification
    // must have verified (accepted, or a duplicate of what the poll saw), never rejected.
    const v = await waitFor(async () => {
      const rows = await gw.rt.ctx.db.selectFrom('notifications').select(['verdict', 'error_code']).where('payment_id', '=', p.id).execute();
      return rows[0];
    }, { what: 'notification recorded' });
    expect(['accepted', 'duplicate']).toContain(v.verdict);
    expect(v.error_code).toBeNull();
    const events = await gw.rt.ctx.db.selectFrom('events').select('type').where('object_id', '=', p.id).execute();
    expect(events.map((e) => e.type)).toEqual(['payment.succeeded']);
  });

  it('refunds partially then fully, and never more than was paid', async () => {
    const p = (await create(5000)).body;
    await sim('/_payer/pay', { reference: p.attempts[0]!.provider_reference.slice(4), outcome: 'success' });
    await until(p.id, 'succeeded');
    const r1 = await gw.api<Refund>(key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 1200 });
    expect(r1.status).toBe(201);
    await refundUntil(r1.body.id, 'succeeded');
    const r2 = await gw.api<Refund>(key, 'POST', '/v1/refunds', { payment_id: p.id });
    expect(r2.body.amount).toBe(3800);
    await refundUntil(r2.body.id, 'succeeded');
    expect((await get(p.id)).amount_refunded).toBe(5000);
    const over = await gw.api<{ error: { code: string } }>(key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 1 });
    expect(over.status).toBe(422);
    await waitFor(() => receiver.received.filter((r) => r.body.includes('refund.succeeded') && r.body.includes(p.id)).length >= 2 || undefined, { what: 'refund webhooks' });
  });

  it('cancels an open order with a consume undo; the payer can no longer pay', async () => {
    const p = (await create()).body;
    const c = await gw.api<Payment>(key, 'POST', `/v1/payments/${p.id}/cancel`);
    expect(c.status).toBe(200);
    expect(c.body.status).toBe('canceled');
    const pay = await sim('/_payer/pay', { reference: p.next_action!.qr_code, outcome: 'success' });
    expect(pay.status).toBe(409);
    expect((await get(p.id)).status).toBe('canceled');
  });

  it('settles by polling when the notification is dropped', async () => {
    await withFaults(gw, 'unionpay', { drop_notifications: true }, { drop_notifications: false }, async () => {
      const p = (await create()).body;
      await sim('/_payer/pay', { reference: p.next_action!.qr_code, outcome: 'success' });
      const done = await until(p.id, 'succeeded');
      expect(done.attempts[0]!.provider_transaction_id).toMatch(/^\d{21}$/);
    });
  });

  describe('notifications from an independent signer', () => {
    let p: Payment;
    let base: Record<string, string>;
    /** Another sandbox merchant's own signing certificate: issued by the same middle CA as UnionPay's. */
    let other: { certPem: string; keyPem: string };
    const body = (fields: Record<string, string>, signature = oracleSign(fields, ca.signKeyPem)) => new URLSearchParams({ ...fields, signature }).toString();
    const signedBy = (signer: { certPem: string; keyPem: string }, fields: Record<string, string>) => {
      const all = { ...fields, signPubKeyCert: signer.certPem };
      return body(all, oracleSign(all, signer.keyPem));
    };

    beforeAll(async () => {
      const reg = (await (await sim('/_merchants', {})).json()) as { sign_cert_pfx: string; sign_cert_password: string };
      const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.decode64(reg.sign_cert_pfx)), reg.sign_cert_password);
      const bag = (type: string) => p12.getBags({ bagType: type })[type]?.[0];
      other = {
        certPem: forge.pki.certificateToPem(bag(forge.pki.oids.certBag ?? '')!.cert!),
        keyPem: forge.pki.privateKeyToPem(bag(forge.pki.oids.pkcs8ShroudedKeyBag ?? '')!.key!),
      };
      p = (await create(321)).body;
      base = {
        version: '5.1.0', encoding: 'utf-8', signMethod: '01', accessType: '0', bizType: '000000', txnType: '01', txnSubType: '07',
        merId, orderId: p.attempts[0]!.provider_reference.slice(4), txnTime: '20240101120000', txnAmt: '321', currencyCode: '156',
        queryId: '123456789012345678901', respCode: '00', respMsg: 'success', reqReserved: p.attempts[0]!.provider_reference, signPubKeyCert: ca.signCertPem,
      };
    });

    it.each([
      ['a missing signature', () => new URLSearchParams(base).toString(), 'NOTIFY.MALFORMED'],
      ['a tampered txnAmt', () => body({ ...base, txnAmt: '1' }, oracleSign(base, ca.signKeyPem)), 'NOTIFY.SIGNATURE_INVALID'],
      ['a non-numeric txnAmt', () => body({ ...base, txnAmt: '3.21' }), 'NOTIFY.MALFORMED'],
      ['an orderId of the wrong shape', () => body({ ...base, orderId: 'abc-def_1' }), 'NOTIFY.MALFORMED'],
      ['another merId', () => body({ ...base, merId: '777000000000001' }), 'NOTIFY.ACCOUNT_MISMATCH'],
      ['another amount', () => body({ ...base, txnAmt: '320' }), 'NOTIFY.AMOUNT_MISMATCH'],
      // Chains to the configured CA, valid, not a CA, signature right: only its owner is wrong.
      ['a certificate the same CA issued to another merchant', () => signedBy(other, base), 'NOTIFY.CERT_OWNER_MISMATCH'],
    ])('rejects %s with a stable code and changes nothing', async (_name, make, code) => {
      const res = await notify(make());
      expect(res.status).toBe(400);
      expect(await lastVerdict()).toEqual({ verdict: 'rejected', error_code: code });
      expect((await get(p.id)).status).toBe('requires_action');
    });

    it('accepts the same notification correctly signed, once', async () => {
      const res = await notify(body(base));
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('ok');
      expect((await get(p.id)).status).toBe('succeeded');
      expect((await notify(body(base))).status).toBe(200);
      expect((await lastVerdict()).verdict).toBe('duplicate');
    });
  });
});
