/**
 * Certificate mode on the wire, with alipay-sdk (configured with the same three files) as
 * the oracle: the connector's requests carry the app_cert_sn / alipay_root_cert_sn the SDK
 * sends, signed with the app certificate's key; answers and notifications signed the way
 * the SDK verifies them (checkResponseSign / checkNotifySign) are accepted, by the
 * certificate their alipay_cert_sn names, across a certificate rotation.
 */
import { createPublicKey, generateKeyPairSync, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { describe, expect, it } from 'vitest';
import { SandboxCa } from '../../simulators/alipay/ca.js';
import type { ConnectorContext, CreateInput, InboundNotification, WireResponse } from '../types.js';
import { alipayConnector, type AlipayCredentials } from './index.js';
import { sent } from '../../test-support/wire.js';

const APP_ID = '2021000000000088';
const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const appPrivatePem = app.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const ca = new SandboxCa(undefined);
const appCert = ca.issueAppCert(APP_ID, app.publicKey.export({ type: 'spki', format: 'pem' }).toString());
const oldCert = ca.current(Date.now()).cert;
const newCert = ca.rotate(Date.now() + 3600_000);
const oldKey = ca.current(Date.now()).key;
const newKey = ca.current(newCert.activeFrom).key;
const files = { app_cert: appCert.certPem, alipay_root_cert: ca.rootBundle() };

function credentials(alipayCerts: string[]): AlipayCredentials {
  return alipayConnector.parseCredentials({ app_id: APP_ID, private_key: appPrivatePem, ...files, alipay_public_cert: alipayCerts.length === 1 ? alipayCerts[0] : alipayCerts });
}
const onlyOld = credentials([ca.alipayCertFile(oldCert)]);
const both = credentials([ca.alipayCertFile(oldCert), ca.alipayCertFile(newCert)]);
const ctxOf = (c: AlipayCredentials, now = new Date()): ConnectorContext<AlipayCredentials> => ({ credentials: c, baseUrl: 'https://openapi.alipay.com', notifyUrl: 'https://pay.example.com/n', now });

const sdkFor = (alipayPublicCert: string) =>
  new AlipaySdk({ appId: APP_ID, privateKey: appPrivatePem, appCertContent: files.app_cert, alipayPublicCertContent: alipayPublicCert, alipayRootCertContent: files.alipay_root_cert, camelcase: false });
const sdkOld = sdkFor(ca.alipayCertFile(oldCert));
const sdkNew = sdkFor(ca.alipayCertFile(newCert));

const input: CreateInput = { reference: 'pay_cert_1', amount: 8888, currency: 'CNY', description: 'tickets', expiresAt: new Date(Date.now() + 900_000) };
const KEY = 'alipay_trade_precreate_response';
const nodeText = '{"code":"10000","msg":"Success","out_trade_no":"pay_cert_1","qr_code":"https:\\/\\/qr.alipay.com\\/bax1"}';

/** Alipay's cert-mode answer: node signed byte for byte, alipay_cert_sn beside it, unsigned. */
function answer(key: KeyObject, sn: string | undefined, text = nodeText): WireResponse {
  const signature = sign('sha256', Buffer.from(text, 'utf8'), key).toString('base64');
  const snPart = sn === undefined ? '' : `,"alipay_cert_sn":"${sn}"`;
  return { status: 200, headers: {}, body: `{"${KEY}":${text}${snPart},"sign":"${signature}"}` };
}

describe('certificate-mode requests', () => {
  it('carry the app_cert_sn and alipay_root_cert_sn alipay-sdk sends, signed with the app certificate\'s key', () => {
    const built = alipayConnector.create.build(ctxOf(onlyOld), input);
    if ('ok' in built) throw new Error(built.message);
    const params = Object.fromEntries(new URLSearchParams(built.body ?? ''));
    const sdkParams = Object.fromEntries(new URLSearchParams(sdkOld.sdkExecute('alipay.trade.precreate', { bizContent: { out_trade_no: 'x' } })));
    expect(params.app_cert_sn).toBe(sdkParams.app_cert_sn);
    expect(params.alipay_root_cert_sn).toBe(sdkParams.alipay_root_cert_sn);
    expect(params.app_cert_sn).toBe(sdkOld.config.appCertSn);
    // Same common parameters as the SDK, which adds its alipay_sdk version tag and leaves out the optional format=JSON.
    expect(Object.keys(params).sort()).toEqual(Object.keys(sdkParams).filter((k) => k !== 'alipay_sdk').concat('notify_url', 'format').sort());
    const content = Object.keys(params).filter((k) => k !== 'sign').sort().map((k) => `${k}=${params[k]}`).join('&');
    expect(content).toContain(`alipay_root_cert_sn=${sdkOld.config.alipayRootCertSn}&app_cert_sn=${sdkOld.config.appCertSn}&app_id=`);
    const appCertKey = new X509Certificate(files.app_cert).publicKey;
    expect(verify('sha256', Buffer.from(content, 'utf8'), appCertKey, Buffer.from(params.sign ?? '', 'base64'))).toBe(true);
  });

  it('in public-key mode carry neither', () => {
    const pk = alipayConnector.parseCredentials({ app_id: APP_ID, private_key: appPrivatePem, alipay_public_key: createPublicKey(oldCert.keyPem).export({ type: 'spki', format: 'pem' }) });
    const built = sent(alipayConnector.query.build(ctxOf(pk), 'pay_1'));
    expect(built.body).not.toMatch(/cert_sn/);
  });
});

describe('certificate-mode answers', () => {
  it('accepts what alipay-sdk checkResponseSign accepts, by the certificate alipay_cert_sn names', () => {
    const res = answer(oldKey, oldCert.sn);
    const signature = (JSON.parse(res.body) as { sign: string }).sign;
    expect(() => sdkOld.checkResponseSign(res.body, KEY, signature, 't')).not.toThrow();
    expect(alipayConnector.create.parse(ctxOf(onlyOld), input, res)).toEqual({ ok: true, reference: 'pay_cert_1', qrCode: 'https://qr.alipay.com/bax1' });
    const tampered = { ...res, body: res.body.replace('bax1', 'bax2') };
    expect(() => sdkOld.checkResponseSign(tampered.body, KEY, signature, 't')).toThrow();
    expect(alipayConnector.create.parse(ctxOf(onlyOld), input, tampered)).toMatchObject({ ok: false, code: 'CONNECTOR.RESPONSE_SIGNATURE_INVALID' });
  });

  it('after a rotation: the new SN with only the old certificate is CONNECTOR.CERT_UNKNOWN saying what to add; with both, either verifies', () => {
    const rotated = answer(newKey, newCert.sn);
    expect(() => sdkNew.checkResponseSign(rotated.body, KEY, (JSON.parse(rotated.body) as { sign: string }).sign, 't')).not.toThrow();
    const r = alipayConnector.create.parse(ctxOf(onlyOld), input, rotated);
    expect(r).toMatchObject({ ok: false, code: 'CONNECTOR.CERT_UNKNOWN', retryable: false });
    expect(r.ok ? '' : r.message).toContain(newCert.sn);
    expect(r.ok ? '' : r.message).toMatch(/add the new alipayCertPublicKey_RSA2\.crt .* to alipay_public_cert/);
    expect(alipayConnector.create.parse(ctxOf(both), input, rotated).ok).toBe(true);
    expect(alipayConnector.create.parse(ctxOf(both), input, answer(oldKey, oldCert.sn)).ok).toBe(true);
  });

  it('a known SN with another certificate\'s signature does not verify; without an SN any configured certificate may', () => {
    expect(alipayConnector.create.parse(ctxOf(both), input, answer(newKey, oldCert.sn))).toMatchObject({ ok: false, code: 'CONNECTOR.RESPONSE_SIGNATURE_INVALID' });
    expect(alipayConnector.create.parse(ctxOf(both), input, answer(newKey, undefined)).ok).toBe(true);
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const r = alipayConnector.create.parse(ctxOf(both), input, answer(stranger, undefined));
    expect(r).toMatchObject({ ok: false, code: 'CONNECTOR.RESPONSE_SIGNATURE_INVALID' });
    expect(r.ok ? '' : r.message).toMatch(/alipay_public_cert is the ALIPAY public certificate/);
  });

  it('outside the certificate\'s validity: CONNECTOR.CERT_EXPIRED', () => {
    const later = new Date(Date.now() + 4 * 365 * 24 * 3600_000);
    expect(alipayConnector.create.parse(ctxOf(onlyOld, later), input, answer(oldKey, oldCert.sn))).toMatchObject({ ok: false, code: 'CONNECTOR.CERT_EXPIRED' });
    expect(alipayConnector.create.parse(ctxOf(onlyOld, later), input, answer(oldKey, undefined))).toMatchObject({ ok: false, code: 'CONNECTOR.CERT_EXPIRED' });
  });

  it('refuses a repeated alipay_cert_sn; a public-key account seeing one is told the app uses certificate mode', () => {
    const res = answer(oldKey, oldCert.sn);
    const doubled = { ...res, body: res.body.replace(',"sign"', `,"alipay_cert_sn":"${newCert.sn}","sign"`) };
    expect(alipayConnector.create.parse(ctxOf(both), input, doubled)).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE' });
    const pk = alipayConnector.parseCredentials({ app_id: APP_ID, private_key: appPrivatePem, alipay_public_key: createPublicKey(newCert.keyPem).export({ type: 'spki', format: 'pem' }) });
    const r = alipayConnector.create.parse(ctxOf(pk), input, res);
    expect(r.ok ? '' : r.message).toMatch(/uses certificate mode at Alipay/);
  });
});

describe('certificate-mode notifications', () => {
  const base: Record<string, string> = {
    notify_time: '2026-11-25 20:00:01', notify_type: 'trade_status_sync', notify_id: 'n-cert-1', app_id: APP_ID, charset: 'utf-8', version: '1.0',
    sign_type: 'RSA2', trade_no: '2026112522001', out_trade_no: 'pay_cert_1', trade_status: 'TRADE_SUCCESS', total_amount: '88.88', gmt_payment: '2026-11-25 20:00:00',
  };
  function signed(fields: Record<string, string>, key: KeyObject): Record<string, string> {
    const content = Object.keys(fields).filter((k) => k !== 'sign' && k !== 'sign_type').sort().map((k) => `${k}=${fields[k]}`).join('&');
    return { ...fields, sign: sign('sha256', Buffer.from(content, 'utf8'), key).toString('base64') };
  }
  const inbound = (fields: Record<string, string>): InboundNotification => ({ headers: {}, contentType: 'application/x-www-form-urlencoded; charset=utf-8', rawBody: new URLSearchParams(fields).toString() });
  const verifyWith = (c: AlipayCredentials, fields: Record<string, string>) => alipayConnector.verifyNotification(ctxOf(c), inbound(fields));

  it('naming alipay_cert_sn (a signed field): accepted when checkNotifySign accepts it, with that certificate only', () => {
    const n = signed({ ...base, alipay_cert_sn: newCert.sn }, newKey);
    expect(sdkNew.checkNotifySignV2(n)).toBe(true);
    expect(verifyWith(both, n)).toMatchObject({ ok: true, kind: 'payment', reference: 'pay_cert_1', amount: 8888, status: 'succeeded' });
    expect(verifyWith(onlyOld, n)).toMatchObject({ ok: false, code: 'NOTIFY.CERT_UNKNOWN' });
    // Pointing the SN at the other trusted certificate breaks the signature instead of switching keys.
    expect(verifyWith(both, { ...n, alipay_cert_sn: oldCert.sn })).toMatchObject({ ok: false, code: 'NOTIFY.SIGNATURE_INVALID' });
  });

  it('without alipay_cert_sn: verified with any configured certificate valid now', () => {
    const n = signed(base, oldKey);
    expect(sdkOld.checkNotifySignV2(n)).toBe(true);
    expect(verifyWith(both, n).ok).toBe(true);
    expect(verifyWith(credentials([ca.alipayCertFile(newCert)]), n)).toMatchObject({ ok: false, code: 'NOTIFY.SIGNATURE_INVALID' });
  });
});
