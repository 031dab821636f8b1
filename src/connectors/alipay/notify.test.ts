/**
 * Notifications: signed here step by step with node:crypto per Alipay's documented scheme
 * (exclude sign and sign_type, sort, raw k=v&), with alipay-sdk's checkNotifySignV2 as the
 * oracle that the fixtures match what the official SDK accepts.
 */
import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { describe, expect, it } from 'vitest';
import type { ConnectorContext, InboundNotification } from '../types.js';
import { alipayConnector, type AlipayCredentials } from './index.js';

const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

const APP_ID = '2021000122671080';
const credentials = alipayConnector.parseCredentials({
  app_id: APP_ID,
  private_key: app.privateKey.export({ type: 'pkcs8', format: 'pem' }),
  alipay_public_key: alipay.publicKey.export({ type: 'spki', format: 'pem' }),
});
const ctx: ConnectorContext<AlipayCredentials> = { credentials, baseUrl: 'https://gw', notifyUrl: 'https://n', now: new Date(0) };

const sdk = new AlipaySdk({
  appId: APP_ID,
  privateKey: app.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  alipayPublicKey: alipay.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
});

type Fields = Record<string, string>;

const base: Fields = {
  notify_time: '2026-01-02 00:31:12',
  notify_type: 'trade_status_sync',
  notify_id: '2026010200222003112012345678901234',
  app_id: APP_ID,
  charset: 'utf-8',
  version: '1.0',
  sign_type: 'RSA2',
  trade_no: '2026010222001412345678901234',
  out_trade_no: 'pay_1',
  buyer_id: '2088102177846880',
  seller_id: '2088102177649450',
  trade_status: 'TRADE_SUCCESS',
  total_amount: '88.88',
  receipt_amount: '88.88',
  buyer_pay_amount: '88.88',
  gmt_create: '2026-01-02 00:30:40',
  gmt_payment: '2026-01-02 00:31:11',
  // Form encoding traps: space vs '+', '%', '&', '=', non-ASCII.
  subject: '测试 a+b=c&d 100%',
};

interface SignOptions {
  key?: KeyObject;
  includeSignType?: boolean;
  keepEmpty?: boolean;
}

/** Alipay's notification signature, written out independently of the connector. */
function signFields(fields: Fields, opts: SignOptions = {}): string {
  const content = Object.keys(fields)
    .filter((k) => k !== 'sign' && (opts.includeSignType || k !== 'sign_type'))
    .filter((k) => opts.keepEmpty || fields[k] !== '')
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
  return sign('sha256', Buffer.from(content, 'utf8'), opts.key ?? alipay.privateKey).toString('base64');
}

function signedFields(fields: Fields, opts: SignOptions = {}): Fields {
  return { ...fields, sign: signFields(fields, opts) };
}

function form(fields: Fields): string {
  return new URLSearchParams(fields).toString();
}

function inbound(rawBody: string, contentType = 'application/x-www-form-urlencoded; charset=utf-8'): InboundNotification {
  return { headers: { 'content-type': contentType }, rawBody, contentType };
}

const verifyBody = (rawBody: string, contentType?: string) => alipayConnector.verifyNotification(ctx, inbound(rawBody, contentType));

describe('verifyNotification: accepted', () => {
  const fields = signedFields(base);
  const raw = form(fields);

  it('fixture sanity: the body really exercises form encoding', () => {
    expect(raw).toContain('a%2Bb%3Dc%26d+100%25');
  });

  it('alipay-sdk checkNotifySignV2 accepts the notification (oracle)', () => {
    expect(sdk.checkNotifySignV2(Object.fromEntries(new URLSearchParams(raw)))).toBe(true);
    // …and rejects a tampered one, so the oracle is not vacuous.
    expect(sdk.checkNotifySignV2({ ...Object.fromEntries(new URLSearchParams(raw)), total_amount: '0.01' })).toBe(false);
  });

  it('documents the checkNotifySign (V1) pitfall: it URI-decodes already decoded values', () => {
    expect(() => sdk.checkNotifySign(Object.fromEntries(new URLSearchParams(raw)))).toThrow(URIError);
  });

  it('the connector accepts it and returns the payment facts', () => {
    expect(verifyBody(raw)).toEqual({
      ok: true,
      kind: 'payment',
      notificationId: base.notify_id,
      reference: 'pay_1',
      status: 'succeeded',
      providerStatus: 'TRADE_SUCCESS',
      amount: 8888,
      currency: 'CNY',
      providerTransactionId: base.trade_no,
    });
  });

  it('accepts %20-encoded spaces and a missing sign_type (it is never signed)', () => {
    const pct = Object.entries(fields)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    expect(pct).toContain('%20');
    expect(verifyBody(pct).ok).toBe(true);
    const { sign_type: _st, ...noSignType } = fields;
    expect(verifyBody(form(noSignType)).ok).toBe(true);
    expect(verifyBody(raw, '').ok).toBe(true);
  });

  it('maps every trade_status', () => {
    for (const [tradeStatus, status] of [
      ['WAIT_BUYER_PAY', 'processing'],
      ['TRADE_FINISHED', 'succeeded'],
      ['TRADE_CLOSED', 'failed'],
      ['NEW_STATUS', 'pending'],
    ] as const) {
      const r = verifyBody(form(signedFields({ ...base, trade_status: tradeStatus })));
      expect(r).toMatchObject({ ok: true, status, providerStatus: tradeStatus });
    }
  });

  it('accepts empty values signed either way (alipay.md drops them, the SDKs keep them)', () => {
    const withEmpty = { ...base, refund_fee: '', gmt_close: '' };
    const kept = signedFields(withEmpty, { keepEmpty: true });
    expect(sdk.checkNotifySignV2(kept)).toBe(true);
    expect(verifyBody(form(kept)).ok).toBe(true);
    expect(verifyBody(form(signedFields(withEmpty))).ok).toBe(true);
  });
});

describe('verifyNotification: rejected', () => {
  const fields = signedFields(base);
  const expectCode = (rawBody: string, code: string) => {
    const r = verifyBody(rawBody);
    expect(r).toMatchObject({ ok: false, code });
    return r;
  };

  it.each([
    ['total_amount', '0.01'],
    ['trade_status', 'TRADE_FINISHED'],
    ['out_trade_no', 'pay_2'],
    ['subject', '测试 a b=c&d 100%'],
    ['notify_id', 'other'],
  ])('tampered %s → NOTIFY.SIGNATURE_INVALID (and the SDK agrees)', (field, value) => {
    const tampered = { ...fields, [field]: value };
    expect(sdk.checkNotifySignV2(tampered)).toBe(false);
    expectCode(form(tampered), 'NOTIFY.SIGNATURE_INVALID');
  });

  it('an added field breaks the signature', () => {
    expectCode(form({ ...fields, refund_fee: '88.88' }), 'NOTIFY.SIGNATURE_INVALID');
  });

  it('a literal "+" in the sign decodes to a space and does not verify', () => {
    // Vary notify_time until the base64 signature contains a '+' (almost always the first try).
    let withPlus = fields;
    for (let i = 0; !(withPlus.sign ?? '').includes('+'); i++) withPlus = signedFields({ ...base, notify_time: `2026-01-02 00:31:${i % 60}` });
    expect(verifyBody(form(withPlus)).ok).toBe(true);
    const raw = form(withPlus).replace(/sign=[^&]*/, `sign=${withPlus.sign ?? ''}`);
    expect(raw).not.toBe(form(withPlus));
    expectCode(raw, 'NOTIFY.SIGNATURE_INVALID');
  });

  it('signed by another key, or verified with the app public key → NOTIFY.SIGNATURE_INVALID', () => {
    expectCode(form(signedFields(base, { key: stranger.privateKey })), 'NOTIFY.SIGNATURE_INVALID');
    const mixedUp: AlipayCredentials = { mode: 'public_key', appId: credentials.appId, privateKey: credentials.privateKey, alipayPublicKey: createPublicKey(app.privateKey) };
    const r = alipayConnector.verifyNotification({ ...ctx, credentials: mixedUp }, inbound(form(fields)));
    expect(r).toMatchObject({ ok: false, code: 'NOTIFY.SIGNATURE_INVALID' });
    expect(r.ok ? '' : r.message).toMatch(/ALIPAY public key, not the app public key/);
  });

  it('a signature that covers sign_type is rejected (only the SDK V1/V2 fallback accepts it)', () => {
    const withType = signedFields(base, { includeSignType: true });
    expect(sdk.checkNotifySignV2(withType)).toBe(true);
    expectCode(form(withType), 'NOTIFY.SIGNATURE_INVALID');
  });

  it('another app_id, validly signed → NOTIFY.ACCOUNT_MISMATCH', () => {
    const r = expectCode(form(signedFields({ ...base, app_id: '2021000000000002' })), 'NOTIFY.ACCOUNT_MISMATCH');
    expect(r.ok ? '' : r.message).toContain('2021000000000002');
  });

  it('missing sign or required fields → NOTIFY.MALFORMED', () => {
    const { sign: _s, ...unsigned } = fields;
    expectCode(form(unsigned), 'NOTIFY.MALFORMED');
    expectCode(form({ ...fields, sign: '' }), 'NOTIFY.MALFORMED');
    for (const field of ['out_trade_no', 'trade_status', 'total_amount', 'notify_id', 'app_id']) {
      const { [field]: _gone, ...rest } = base;
      const r = expectCode(form(signedFields(rest)), 'NOTIFY.MALFORMED');
      expect(r.ok ? '' : r.message).toContain(field);
    }
  });

  it('a malformed amount, even validly signed → NOTIFY.MALFORMED', () => {
    for (const total_amount of ['88.888', '-1.00', 'abc']) {
      expectCode(form(signedFields({ ...base, total_amount })), 'NOTIFY.MALFORMED');
    }
  });

  it('duplicate fields, foreign charsets, wrong content type → NOTIFY.MALFORMED; RSA (SHA-1) → SIGNATURE_INVALID', () => {
    expectCode(`${form(fields)}&total_amount=0.01`, 'NOTIFY.MALFORMED');
    expectCode(form(signedFields({ ...base, charset: 'GBK' })), 'NOTIFY.MALFORMED');
    expect(verifyBody(form(fields), 'application/json')).toMatchObject({ ok: false, code: 'NOTIFY.MALFORMED' });
    expectCode(form({ ...fields, sign_type: 'RSA' }), 'NOTIFY.SIGNATURE_INVALID');
    expectCode('', 'NOTIFY.MALFORMED');
    expectCode('not a form at all', 'NOTIFY.MALFORMED');
  });
});

describe('notificationAck', () => {
  it('answers the literal "success" only when accepted', () => {
    expect(alipayConnector.notificationAck(true)).toEqual({ status: 200, contentType: 'text/plain', body: 'success' });
    const nack = alipayConnector.notificationAck(false);
    expect(nack.body).not.toBe('success');
    expect(nack).toEqual({ status: 400, contentType: 'text/plain', body: 'fail' });
  });
});

describe('verifyNotification: an authentic notification Paygate does not act on', () => {
  // The rule every connector keeps (docs/adr/0008-connector-rules.md): acknowledged and recorded, never refused.
  it('another notify_type is acknowledged as ignored, keyed by notify_id', () => {
    const { out_trade_no: _o, trade_status: _t, total_amount: _a, ...rest } = base;
    const other = { ...rest, notify_type: 'fund_auth_freeze' };
    expect(verifyBody(form(signedFields(other)))).toEqual({ ok: true, kind: 'ignored', notificationId: base.notify_id, eventType: 'notify_type fund_auth_freeze' });
  });

  it('is still verified first: a forged one is refused', () => {
    const other = { ...base, notify_type: 'fund_auth_freeze' };
    expect(verifyBody(form(signedFields(other, { key: stranger.privateKey })))).toMatchObject({ ok: false, code: 'NOTIFY.SIGNATURE_INVALID' });
  });
});
