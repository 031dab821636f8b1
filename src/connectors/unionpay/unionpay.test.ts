import crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { PaygateError } from '../../domain/errors.js';
import type { ConnectorContext, CreateInput, WireResponse } from '../types.js';
import type { UnionpayCredentials } from './credentials.js';
import { orderIdOf, txnTimeOf, unionpayConnector as c } from './index.js';
import { oracleSign, rawBody, testPki, makePfx, type TestCert } from './test-certs.js';
import { sent } from '../../test-support/wire.js';

let pki: ReturnType<typeof testPki>;
let ctx: ConnectorContext<UnionpayCredentials>;
const MER_ID = '777290058110048';
// 2024-01-01T04:00:00Z = 12:00:00 Beijing; first 10 chars encode the ms (domain/ids.ts).
const REF = 'att_01hk0w4v00abcdefghjkmnpqrs';
const input: CreateInput = { reference: REF, amount: 8888, currency: 'CNY', description: 'x', expiresAt: new Date('2024-01-01T04:15:00Z') };
const ok = (body: string): WireResponse => ({ status: 200, headers: {}, body });

function answer(signer: TestCert, fields: Record<string, string>, tamper: Record<string, string> = {}): string {
  const all = { version: '5.1.0', encoding: 'utf-8', signMethod: '01', merId: MER_ID, ...fields, signPubKeyCert: signer.certPem };
  return rawBody({ ...all, signature: oracleSign(all, signer.keyPem), ...tamper });
}

beforeAll(() => {
  pki = testPki();
  const credentials = c.parseCredentials({ mer_id: MER_ID, sign_cert_pfx: makePfx(pki.merchant, 'pw 1'), sign_cert_password: 'pw 1', root_cert: pki.root.certPem, middle_cert: pki.middle.certPem });
  ctx = { credentials, baseUrl: 'http://sim/sandbox/unionpay', notifyUrl: 'http://gw/notify/unionpay/pa_1', now: new Date() };
});

describe('credentials', () => {
  it('opens the PFX and takes certId as the decimal serial', () => {
    expect(ctx.credentials.certId).toBe(BigInt(`0x${pki.merchant.cert.serialNumber}`).toString(10));
  });
  it.each([
    ['a wrong password', () => ({ sign_cert_password: 'nope' })],
    ['a middle cert from another root', () => ({ middle_cert: testPki().middle.certPem })],
    ['a leaf as root', () => ({ root_cert: pki.signer.certPem })],
  ])('rejects %s', (_n, patch) => {
    const base = { mer_id: MER_ID, sign_cert_pfx: makePfx(pki.merchant, 'pw 1'), sign_cert_password: 'pw 1', root_cert: pki.root.certPem, middle_cert: pki.middle.certPem };
    expect(() => c.parseCredentials({ ...base, ...patch() })).toThrow(PaygateError);
  });
});

describe('requests', () => {
  it('derives orderId and a Beijing txnTime from the reference', () => {
    expect(orderIdOf(REF)).toBe('01hk0w4v00abcdefghjkmnpqrs');
    const ms = Date.UTC(2024, 0, 1, 4, 0, 0);
    const id = `att_${Array.from({ length: 10 }, (_, i) => '0123456789abcdefghjkmnpqrstvwxyz'[Math.floor(ms / 32 ** (9 - i)) % 32]).join('')}abcdefghjkmnpqrs`;
    expect(txnTimeOf(id)).toBe('20240101120000');
    expect(() => orderIdOf('order-1')).toThrow(PaygateError);
  });

  it('signs the QR apply so that the oracle verifies it with the merchant certificate', () => {
    const req = sent(c.create.build(ctx, input));
    expect(req.url).toBe('http://sim/sandbox/unionpay/gateway/api/backTransReq.do');
    const f = Object.fromEntries(new URLSearchParams(req.body ?? ''));
    expect(f).toMatchObject({ txnType: '01', txnSubType: '07', bizType: '000000', txnAmt: '8888', currencyCode: '156', orderId: orderIdOf(REF), payTimeout: '20240101121500', backUrl: ctx.notifyUrl });
    const text = Object.keys(f).filter((k) => k !== 'signature' && f[k] !== '').sort().map((k) => `${k}=${f[k]}`).join('&');
    const hex = crypto.createHash('sha256').update(text, 'utf8').digest('hex');
    const pub = new crypto.X509Certificate(pki.merchant.certPem).publicKey;
    expect(crypto.verify('sha256', Buffer.from(hex), pub, Buffer.from(f.signature ?? '', 'base64'))).toBe(true);
    expect(crypto.verify('sha256', Buffer.from(text), pub, Buffer.from(f.signature ?? '', 'base64'))).toBe(false);
  });
});

describe('responses', () => {
  const apply = (body: string) => c.create.parse(ctx, input, ok(body));
  const good = { respCode: '00', respMsg: 'ok', orderId: orderIdOf(REF), qrCode: 'https://qr.95516.com/00010000/1' };

  it('accepts an oracle-signed answer from a chained certificate', () => {
    expect(apply(answer(pki.signer, good))).toEqual({ ok: true, reference: REF, qrCode: good.qrCode });
  });
  it.each([
    ['an expired certificate', () => answer(pki.expired, good), 'CONNECTOR.CERT_EXPIRED'],
    ['a certificate from a foreign root', () => answer(pki.foreign, good), 'CONNECTOR.CERT_UNTRUSTED'],
    ['a self-signed certificate', () => answer(pki.selfSigned, good), 'CONNECTOR.CERT_UNTRUSTED'],
    ['a tampered certificate', () => answer(pki.signer, good, { signPubKeyCert: pki.signer.certPem.replace(/A/, 'B') }), 'CONNECTOR.CERT_UNTRUSTED'],
    ['a tampered field', () => answer(pki.signer, good, { qrCode: 'https://evil.example/' }), 'CONNECTOR.RESPONSE_SIGNATURE_INVALID'],
    ['no signature', () => answer(pki.signer, good).replace(/&signature=.*$/, ''), 'CONNECTOR.RESPONSE_SIGNATURE_INVALID'],
    ['another orderId', () => answer(pki.signer, { ...good, orderId: 'ZZZZZZZZZZ' }), 'CONNECTOR.BAD_RESPONSE'],
    ['system busy', () => answer(pki.signer, { respCode: '06', respMsg: 'busy' }), 'CONNECTOR.UNAVAILABLE'],
    ['signature refused', () => answer(pki.signer, { respCode: '11', respMsg: 'sig' }), 'CONNECTOR.AUTH_FAILED'],
  ])('rejects %s', (_n, body, code) => {
    expect(apply(body())).toMatchObject({ ok: false, code });
  });

  it.each([
    [{ respCode: '34' }, 'pending'],
    [{ respCode: '00', origRespCode: '00', txnAmt: '8888', queryId: '1'.repeat(21) }, 'succeeded'],
    [{ respCode: '00', origRespCode: '05' }, 'pending'],
    [{ respCode: '00', origRespCode: '01' }, 'failed'],
  ])('maps query %j to %s', (fields, status) => {
    expect(c.query.parse(ctx, REF, 'CNY', ok(answer(pki.signer, { orderId: orderIdOf(REF), respMsg: 'x', ...fields })))).toMatchObject({ ok: true, status });
  });

  it('a failed consume carries its decline: origRespCode mapped, origRespMsg kept; unknown codes are declined_other', () => {
    const q = (fields: Record<string, string>) => c.query.parse(ctx, REF, 'CNY', ok(answer(pki.signer, { orderId: orderIdOf(REF), respCode: '00', respMsg: 'x', ...fields })));
    expect(q({ origRespCode: '64', origRespMsg: '卡上的余额不足' })).toMatchObject({ status: 'failed', decline: { code: 'insufficient_funds', providerCode: '64', message: '卡上的余额不足' } });
    expect(q({ origRespCode: '47' })).toMatchObject({ status: 'failed', decline: { code: 'declined_other', providerCode: '47' } });
    expect(q({ origRespCode: '00', txnAmt: '8888' })).not.toHaveProperty('decline');
    expect(q({ origRespCode: '05' })).not.toHaveProperty('decline');
  });

  it('maps undo answers: 00 closed, 35 not closable; needs the amount', () => {
    expect(c.close.parse(ctx, REF, ok(answer(pki.signer, { respCode: '00', orderId: `${orderIdOf(REF)}U` })))).toEqual({ ok: true, outcome: 'closed' });
    expect(c.close.parse(ctx, REF, ok(answer(pki.signer, { respCode: '35', orderId: `${orderIdOf(REF)}U` })))).toEqual({ ok: true, outcome: 'not_closable' });
    // build() never throws (docs/adr/0008): the refusal is a failure value and nothing is sent.
    expect(c.close.build(ctx, REF)).toMatchObject({ ok: false, retryable: false, code: 'VALIDATION.INVALID_BODY' });
    const f = Object.fromEntries(new URLSearchParams(sent(c.close.build(ctx, REF, { amount: 8888, currency: 'CNY', providerTransactionId: 'Q1' })).body ?? ''));
    expect(f).toMatchObject({ txnType: '31', txnSubType: '00', origQryId: 'Q1', txnAmt: '8888', currencyCode: '156', backUrl: ctx.notifyUrl });
  });

  it('sends refunds with origQryId and reads 00 as accepted (pending)', () => {
    const rin = { reference: REF, refundReference: 're_01hk0w4v00zzzzzzzzzzzzzzzz', amount: 100, currency: 'CNY', providerTransactionId: 'Q1' };
    const f = Object.fromEntries(new URLSearchParams(sent(c.refund.build(ctx, rin)).body ?? ''));
    expect(f).toMatchObject({ txnType: '04', origQryId: 'Q1', txnAmt: '100', orderId: '01hk0w4v00zzzzzzzzzzzzzzzz' });
    expect(c.refund.parse(ctx, rin, ok(answer(pki.signer, { respCode: '00', orderId: f.orderId ?? '' })))).toEqual({ ok: true, status: 'pending' });
    expect(c.refund.parse(ctx, rin, ok(answer(pki.signer, { respCode: '33', orderId: f.orderId ?? '' })))).toMatchObject({ ok: true, status: 'failed' });
  });
});

describe('notifications', () => {
  const base = () => ({
    version: '5.1.0', encoding: 'utf-8', signMethod: '01', txnType: '01', txnSubType: '07', merId: MER_ID, orderId: orderIdOf(REF), txnTime: '20240101120000',
    txnAmt: '8888', currencyCode: '156', queryId: '1'.repeat(21), respCode: '00', reqReserved: REF, signPubKeyCert: pki.signer.certPem,
  });
  const form = (fields: Record<string, string>, signer: TestCert = pki.signer, tamper: Record<string, string> = {}) =>
    new URLSearchParams({ ...fields, signPubKeyCert: signer.certPem, signature: oracleSign({ ...fields, signPubKeyCert: signer.certPem }, signer.keyPem), ...tamper }).toString();
  const verify = (rawBody: string) => c.verifyNotification(ctx, { headers: {}, rawBody, contentType: 'application/x-www-form-urlencoded' });

  it('verifies a consume result', () => {
    expect(verify(form(base()))).toMatchObject({ ok: true, kind: 'payment', reference: REF, status: 'succeeded', amount: 8888, currency: 'CNY', providerTransactionId: '1'.repeat(21) });
  });
  it('verifies a refund result', () => {
    const rr = 're_01hk0w4v00zzzzzzzzzzzzzzzz';
    const v = verify(form({ ...base(), txnType: '04', txnSubType: '00', orderId: orderIdOf(rr), txnAmt: '100', reqReserved: `${REF}|${rr}` }));
    expect(v).toMatchObject({ ok: true, kind: 'refund', reference: REF, refundReference: rr, status: 'succeeded', amount: 100 });
  });
  it('acknowledges a consume undo result (txnType 31) without acting on it, with or without reqReserved', () => {
    const undo = { ...base(), txnType: '31', txnSubType: '00', orderId: `${orderIdOf(REF)}U`, queryId: '2'.repeat(21) };
    expect(verify(form(undo))).toEqual({ ok: true, kind: 'ignored', notificationId: `31:${'2'.repeat(21)}`, eventType: 'txnType 31 (consume undo) respCode 00' });
    const { reqReserved: _r, ...portal } = undo;
    expect(verify(form(portal))).toMatchObject({ ok: true, kind: 'ignored' });
    // Still verified first: a forged undo is rejected like any notification.
    expect(verify(form(undo, pki.merchant))).toMatchObject({ ok: false, code: 'NOTIFY.CERT_OWNER_MISMATCH' });
  });
  it('acknowledges any other authentic transaction type as ignored (the rule of docs/adr/0008), verified first', () => {
    const other = { ...base(), txnType: '72', txnSubType: '01', queryId: '3'.repeat(21) };
    expect(verify(form(other))).toEqual({ ok: true, kind: 'ignored', notificationId: `72:${'3'.repeat(21)}`, eventType: 'txnType 72 respCode 00' });
    expect(verify(form(other, pki.merchant))).toMatchObject({ ok: false, code: 'NOTIFY.CERT_OWNER_MISMATCH' });
  });
  it.each([
    ['an expired certificate', () => form(base(), pki.expired), 'NOTIFY.CERT_EXPIRED'],
    ['a foreign-root certificate', () => form(base(), pki.foreign), 'NOTIFY.CERT_UNTRUSTED'],
    ['a self-signed certificate', () => form(base(), pki.selfSigned), 'NOTIFY.CERT_UNTRUSTED'],
    ['a tampered txnAmt', () => form(base(), pki.signer, { txnAmt: '1' }), 'NOTIFY.SIGNATURE_INVALID'],
    ['a tampered reqReserved', () => form(base(), pki.signer, { reqReserved: 'att_01hk0w4v00abcdefghjkmnpqrt' }), 'NOTIFY.SIGNATURE_INVALID'],
    ['a missing signature', () => new URLSearchParams(base()).toString(), 'NOTIFY.MALFORMED'],
    ['a non-numeric txnAmt', () => form({ ...base(), txnAmt: '88.88' }), 'NOTIFY.MALFORMED'],
    ['an orderId of the wrong shape', () => form({ ...base(), orderId: 'a_b-c' }), 'NOTIFY.MALFORMED'],
    ['another merId', () => form({ ...base(), merId: '777000000000000' }), 'NOTIFY.ACCOUNT_MISMATCH'],
    ['a duplicated field', () => `${form(base())}&txnAmt=8888`, 'NOTIFY.MALFORMED'],
  ])('rejects %s', (_n, body, code) => {
    expect(verify(body())).toMatchObject({ ok: false, code });
  });
  it('acks 200 ok / 400', () => {
    expect(c.notificationAck(true)).toEqual({ status: 200, contentType: 'text/plain', body: 'ok' });
    expect(c.notificationAck(false).status).toBe(400);
  });
});
