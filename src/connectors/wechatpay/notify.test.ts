/**
 * verifyNotification against notifications sealed by wechatpay-axios-plugin (Aes.AesGcm.
 * encrypt) and signed by it (Rsa.sign over Formatter.response); platform-certificate
 * rotation with node-forge certificates; trade bills against Formatter.castCsvBill.
 */
import crypto from 'node:crypto';
import { gzipSync } from 'node:zlib';
import forge from 'node-forge';
import { Aes, Formatter, Rsa } from 'wechatpay-axios-plugin';
import { describe, expect, it } from 'vitest';
import type { ConnectorContext, InboundNotification } from '../types.js';
import { parseWechatpayCredentials, type WechatpayCredentials } from './credentials.js';
import { parseTradeBillCsv, verifyBillFile, wechatpayConnector as wx } from './index.js';

const pair = () => crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

function certificate(serial: string, notAfter = new Date(Date.now() + 86_400_000)) {
  const keys = pair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  cert.serialNumber = serial;
  cert.validity.notBefore = new Date('2020-01-01T00:00:00Z');
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ name: 'commonName', value: 'Tenpay.com platform' }]);
  cert.setIssuer([{ name: 'commonName', value: 'Tenpay.com Root CA' }]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKey), forge.md.sha256.create());
  return { pem: forge.pki.certificateToPem(cert), key: keys.privateKey, serial: serial.toUpperCase() };
}

const merchant = pair();
const platform = pair();
const certA = certificate('5157f09efdc096de15ebe81a47057a7232f1b8e1');
const certB = certificate('7ad1c0a7d0e3b1c2f0e4a5b6c7d8e9f001122334');
const certGone = certificate('11aa22bb33cc44dd55ee66ff7788990011223344', new Date('2021-01-01T00:00:00Z'));
const PUB_ID = 'PUB_KEY_ID_0114232134912410000000000000000';
const APIV3 = 'Z'.repeat(8) + '0123456789abcdef' + 'y'.repeat(8);
const RAW = { mchid: '1900000109', appid: 'wxd678efh567hg6787', merchant_serial_no: 'ABC123', private_key: merchant.privateKey, apiv3_key: APIV3, wechatpay_public_key_id: PUB_ID, wechatpay_public_key: platform.publicKey };
const ctxOf = (raw: Record<string, unknown>): ConnectorContext<WechatpayCredentials> => ({ credentials: parseWechatpayCredentials(raw), baseUrl: 'https://api.mch.weixin.qq.com', notifyUrl: 'https://gw/n', now: new Date() });
const ctx = ctxOf(RAW);

function inbound(eventType: string, plain: object, o: { key?: string; serial?: string; apiv3?: string; aad?: string; decryptAad?: string; ts?: number } = {}): InboundNotification {
  const nonce = Formatter.nonce(12);
  const aad = o.aad ?? 'transaction';
  const body = JSON.stringify({
    id: 'EV-2018022511223320873', create_time: '2026-11-25T20:00:00+08:00', resource_type: 'encrypt-resource', event_type: eventType, summary: '支付成功',
    resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', ciphertext: Aes.AesGcm.encrypt(JSON.stringify(plain), o.apiv3 ?? APIV3, nonce, aad), associated_data: o.decryptAad ?? aad, nonce },
  });
  const ts = o.ts ?? Math.floor(Date.now() / 1000);
  const sigNonce = Formatter.nonce();
  return {
    rawBody: body, contentType: 'application/json',
    headers: { 'wechatpay-timestamp': String(ts), 'wechatpay-nonce': sigNonce, 'wechatpay-serial': o.serial ?? PUB_ID, 'wechatpay-signature': Rsa.sign(Formatter.response(ts, sigNonce, body), o.key ?? platform.privateKey), 'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048' },
  };
}

const txn = (over: object = {}) => ({ mchid: RAW.mchid, appid: RAW.appid, out_trade_no: 'att_1', transaction_id: '4200001', trade_type: 'NATIVE', trade_state: 'SUCCESS', amount: { total: 100, payer_total: 100, currency: 'CNY', payer_currency: 'CNY' }, ...over });
/** Paygate's refund references are refund ids (re_<26>); a portal refund's out_refund_no never has that form. */
const RE = 're_01jd3k9x7m2q8w4v6n5t0c3b1a';
const refund = (status: string, over: object = {}) => ({ mchid: RAW.mchid, out_trade_no: 'att_1', out_refund_no: RE, refund_id: '5030', refund_status: status, amount: { total: 100, refund: 40, payer_total: 100, payer_refund: 40 }, ...over });

describe('verifyNotification', () => {
  it('TRANSACTION.SUCCESS → kind payment with amount, currency, trade_state', () => {
    expect(wx.verifyNotification(ctx, inbound('TRANSACTION.SUCCESS', txn()))).toEqual({
      ok: true, kind: 'payment', notificationId: 'EV-2018022511223320873', reference: 'att_1', status: 'succeeded', providerStatus: 'SUCCESS', amount: 100, currency: 'CNY', providerTransactionId: '4200001',
    });
  });

  it('REFUND.SUCCESS / ABNORMAL / CLOSED → kind refund', () => {
    for (const [event, status, mapped] of [['REFUND.SUCCESS', 'SUCCESS', 'succeeded'], ['REFUND.ABNORMAL', 'ABNORMAL', 'failed'], ['REFUND.CLOSED', 'CLOSED', 'failed']] as const) {
      expect(wx.verifyNotification(ctx, inbound(event, refund(status), { aad: 'refund' }))).toEqual({
        ok: true, kind: 'refund', notificationId: 'EV-2018022511223320873', reference: 'att_1', refundReference: RE, status: mapped, providerStatus: status, amount: 40, currency: 'CNY', providerRefundId: '5030',
      });
    }
    expect(wx.verifyNotification(ctx, inbound('REFUND.SUCCESS', refund('CLOSED'), { aad: 'refund' }))).toMatchObject({ ok: false, code: 'NOTIFY.MALFORMED' });
  });

  it('a refund made in the merchant portal (an out_refund_no Paygate never issues) → refund without refundReference, keyed by refund_id', () => {
    const portal = refund('SUCCESS', { out_refund_no: '50300908092018010701700083021', refund_id: '50300908092018010701700083022', transaction_id: '4200001' });
    const v = wx.verifyNotification(ctx, inbound('REFUND.SUCCESS', portal, { aad: 'refund' }));
    expect(v).toEqual({
      ok: true, kind: 'refund', notificationId: 'EV-2018022511223320873', reference: 'att_1', status: 'succeeded', providerStatus: 'SUCCESS', amount: 40, currency: 'CNY',
      providerRefundId: '50300908092018010701700083022', providerTransactionId: '4200001',
    });
    // Look-alikes of Paygate's form are not Paygate's: the form is re_ and exactly 26 lower-case base32 characters.
    for (const no of ['re_1', 'RE_01JD3K9X7M2Q8W4V6N5T0C3B1A', `${RE}x`, `pay_${RE.slice(3)}`]) {
      expect(wx.verifyNotification(ctx, inbound('REFUND.SUCCESS', refund('SUCCESS', { out_refund_no: no }), { aad: 'refund' })), no).not.toHaveProperty('refundReference');
    }
    const { refund_id: _, ...noId } = portal;
    expect(wx.verifyNotification(ctx, inbound('REFUND.SUCCESS', noId, { aad: 'refund' }))).toMatchObject({ ok: false, code: 'NOTIFY.MALFORMED' });
  });

  it('a wrong APIv3 key or altered AAD says "check the APIv3 key"', () => {
    for (const v of [wx.verifyNotification(ctx, inbound('TRANSACTION.SUCCESS', txn(), { apiv3: 'x'.repeat(32) })), wx.verifyNotification(ctx, inbound('TRANSACTION.SUCCESS', txn(), { decryptAad: 'refund' }))]) {
      expect(v).toMatchObject({ ok: false, code: 'NOTIFY.DECRYPTION_FAILED' });
      expect(!v.ok && v.message).toMatch(/check the APIv3 key/);
    }
  });

  it('another mchid or appid is an account mismatch; signature problems are refused first', () => {
    expect(wx.verifyNotification(ctx, inbound('TRANSACTION.SUCCESS', txn({ mchid: '1900000999' })))).toMatchObject({ ok: false, code: 'NOTIFY.ACCOUNT_MISMATCH' });
    expect(wx.verifyNotification(ctx, inbound('TRANSACTION.SUCCESS', txn({ appid: 'wx0' })))).toMatchObject({ ok: false, code: 'NOTIFY.ACCOUNT_MISMATCH' });
    expect(wx.verifyNotification(ctx, inbound('TRANSACTION.SUCCESS', txn(), { key: merchant.privateKey }))).toMatchObject({ ok: false, code: 'NOTIFY.SIGNATURE_INVALID' });
    const n = inbound('TRANSACTION.SUCCESS', txn());
    const stale = wx.verifyNotification(ctx, inbound('TRANSACTION.SUCCESS', txn(), { ts: Math.floor(Date.now() / 1000) - 400 }));
    // A stale timestamp is its own code (as PayPal and Stripe report it), decided before and
    // regardless of the signature: a clock problem must not read as a key problem.
    expect(stale).toMatchObject({ ok: false, code: 'NOTIFY.TIMESTAMP_OUT_OF_TOLERANCE' });
    expect(!stale.ok && stale.message).toMatch(/more than 300 s/);
    expect(wx.verifyNotification(ctx, inbound('TRANSACTION.SUCCESS', txn(), { ts: Math.floor(Date.now() / 1000) + 400 }))).toMatchObject({ ok: false, code: 'NOTIFY.TIMESTAMP_OUT_OF_TOLERANCE' });
    expect(wx.verifyNotification(ctx, inbound('TRANSACTION.SUCCESS', txn(), { ts: Math.floor(Date.now() / 1000) - 400, key: merchant.privateKey }))).toMatchObject({ ok: false, code: 'NOTIFY.TIMESTAMP_OUT_OF_TOLERANCE' });
    expect(wx.verifyNotification(ctx, inbound('TRANSACTION.SUCCESS', txn(), { ts: Math.floor(Date.now() / 1000) - 290 }))).toMatchObject({ ok: true });
    expect(wx.verifyNotification(ctx, { ...n, headers: { ...n.headers, 'wechatpay-signature': undefined } })).toMatchObject({ ok: false, code: 'NOTIFY.MALFORMED' });
  });

  it('an authentic event it does not act on is acknowledged, not refused (WeChat would retry it for a day); junk event types too', () => {
    for (const type of ['TRANSACTION.CLOSED', 'PROFITSHARING.SUCCESS', 'toString', '__proto__', 'constructor']) {
      expect(wx.verifyNotification(ctx, inbound(type, txn())), type).toEqual({ ok: true, kind: 'ignored', notificationId: expect.any(String), eventType: type });
    }
    // Acknowledged only once it is authentic: unsigned or another merchant's stays refused.
    const n = inbound('TRANSACTION.CLOSED', txn());
    expect(wx.verifyNotification(ctx, { ...n, headers: { ...n.headers, 'wechatpay-signature': 'AAAA' } })).toMatchObject({ ok: false });
    expect(wx.verifyNotification(ctx, inbound('TRANSACTION.CLOSED', { ...txn(), mchid: '1900000999' }))).toMatchObject({ ok: false, code: 'NOTIFY.ACCOUNT_MISMATCH' });
  });

  it('platform certificates: either of two verifies (serial case-insensitive), unknown and expired serials are refused clearly', () => {
    const rotating = ctxOf({ ...RAW, wechatpay_public_key: undefined, wechatpay_public_key_id: undefined, platform_certificates: [certA.pem, certB.pem, certGone.pem] });
    expect(wx.verifyNotification(rotating, inbound('TRANSACTION.SUCCESS', txn(), { key: certA.key, serial: certA.serial }))).toMatchObject({ ok: true });
    expect(wx.verifyNotification(rotating, inbound('TRANSACTION.SUCCESS', txn(), { key: certB.key, serial: certB.serial.toLowerCase() }))).toMatchObject({ ok: true });
    expect(wx.verifyNotification(rotating, inbound('TRANSACTION.SUCCESS', txn(), { key: certB.key, serial: certA.serial }))).toMatchObject({ ok: false, code: 'NOTIFY.SIGNATURE_INVALID' });
    const unknown = wx.verifyNotification(rotating, inbound('TRANSACTION.SUCCESS', txn(), { key: certA.key, serial: 'DEADBEEF' }));
    expect(unknown).toMatchObject({ ok: false, code: 'NOTIFY.SIGNATURE_INVALID' });
    expect(!unknown.ok && unknown.message).toMatch(/Wechatpay-Serial DEADBEEF is not configured.*platform_certificates/);
    const gone = wx.verifyNotification(rotating, inbound('TRANSACTION.SUCCESS', txn(), { key: certGone.key, serial: certGone.serial }));
    expect(!gone.ok && gone.message).toMatch(/not valid at/);
    // Public-key mode is not implied by certificates: a PUB_KEY_ID serial is unknown here.
    expect(wx.verifyNotification(rotating, inbound('TRANSACTION.SUCCESS', txn()))).toMatchObject({ ok: false, code: 'NOTIFY.SIGNATURE_INVALID' });
  });

  it('acks: 204 empty on success, 400 {"code":"FAIL"} otherwise', () => {
    expect(wx.notificationAck(true)).toEqual({ status: 204, contentType: 'text/plain', body: '' });
    expect(wx.notificationAck(false)).toMatchObject({ status: 400, contentType: 'application/json' });
    expect(JSON.parse(wx.notificationAck(false).body)).toEqual({ code: 'FAIL', message: '失败' });
  });
});

describe('trade bill', () => {
  const csv = '\uFEFF交易时间,公众账号ID,商户号,商户订单号,应结订单金额\r\n`2026-11-25 20:00:00,`wx1,`1900000109,`att_1,`88.88\r\n总交易单数,应结订单总金额\r\n`1,`88.88\r\n';

  it('checks the SHA1 of the downloaded bytes (plain and gzip) and parses like Formatter.castCsvBill', () => {
    const bytes = Buffer.from(csv, 'utf8');
    const sha1 = crypto.createHash('sha1').update(bytes).digest('hex');
    const ok = verifyBillFile(bytes, sha1, false);
    expect(ok).toEqual({ ok: true, csv });
    const gz = gzipSync(bytes);
    expect(verifyBillFile(gz, crypto.createHash('sha1').update(gz).digest('hex'), true)).toEqual({ ok: true, csv });
    expect(verifyBillFile(Buffer.concat([bytes, Buffer.from('x')]), sha1, false)).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE' });
    const bill = parseTradeBillCsv(csv);
    const oracle = Formatter.castCsvBill(bytes) as { rows: Array<Record<string, string>>; summary: Record<string, string> };
    expect(bill.rows).toEqual(oracle.rows);
    expect(bill.summary).toEqual(oracle.summary);
    expect(bill.rows[0]).toMatchObject({ 商户订单号: 'att_1', 应结订单金额: '88.88' });
  });
});
