/**
 * The connector against an independent oracle: wechatpay-axios-plugin verifies the
 * Authorization signatures it produces (Rsa.verify over Formatter.request) and signs the
 * answers it must accept (Rsa.sign over Formatter.response). Nothing here shares code with
 * the connector's own sign.ts / verify.ts.
 */
import crypto from 'node:crypto';
import { Formatter, Rsa } from 'wechatpay-axios-plugin';
import { describe, expect, it } from 'vitest';
import { PaygateError } from '../../domain/errors.js';
import type { ConnectorContext, CreateInput, RefundInput, WireResponse } from '../types.js';
import { parseWechatpayCredentials, type WechatpayCredentials } from './credentials.js';
import { wechatpayConnector as wx } from './index.js';
import { sent } from '../../test-support/wire.js';

const pem = () => crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const merchant = pem();
const platform = pem();
const PUB_ID = 'PUB_KEY_ID_0114232134912410000000000000000';
const RAW = {
  mchid: '1900000109', appid: 'wxd678efh567hg6787', merchant_serial_no: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
  private_key: merchant.privateKey, apiv3_key: 'a'.repeat(16) + 'B'.repeat(16), wechatpay_public_key_id: PUB_ID, wechatpay_public_key: platform.publicKey,
};
const NOW = new Date('2026-11-25T12:00:00Z');
const ctx: ConnectorContext<WechatpayCredentials> = { credentials: parseWechatpayCredentials(RAW), baseUrl: 'https://api.mch.weixin.qq.com', notifyUrl: 'https://gw.example/notify/wechatpay/pa_1', now: NOW };
const input: CreateInput = { reference: 'att_01jd4x0000000000000000000a', amount: 8888, currency: 'CNY', description: '2 张电影票', expiresAt: new Date('2026-11-25T12:15:00Z') };
const refundIn: RefundInput = { reference: input.reference, refundReference: 're_01jd4x0000000000000000000b', amount: 1000, currency: 'CNY', paymentAmount: 8888 };

const AUTH = /^WECHATPAY2-SHA256-RSA2048 mchid="(\d+)",nonce_str="([0-9A-F]{32})",signature="([A-Za-z0-9+/=]+)",timestamp="(\d+)",serial_no="([0-9A-F]+)"$/;

function checkAuthorization(method: string, url: string, body: string | undefined, authorization: string | undefined) {
  const m = AUTH.exec(authorization ?? '');
  expect(m, authorization).not.toBeNull();
  const [, mchid, nonce, signature, timestamp, serial] = m!;
  expect([mchid, serial, timestamp]).toEqual([RAW.mchid, RAW.merchant_serial_no, String(NOW.getTime() / 1000)]);
  const u = new URL(url);
  // The oracle's message builder; a GET signs an empty body line.
  const message = Formatter.request(method, `${u.pathname}${u.search}`, timestamp!, nonce!, body);
  expect(Rsa.verify(message, signature!, merchant.publicKey)).toBe(true);
  expect(Rsa.verify(`${message} `, signature!, merchant.publicKey)).toBe(false);
  return { nonce: nonce!, message };
}

function signedResponse(status: number, body: string, o: { key?: string; serial?: string; ts?: number; signature?: string } = {}): WireResponse {
  const ts = o.ts ?? NOW.getTime() / 1000;
  const nonce = Formatter.nonce();
  const signature = o.signature ?? Rsa.sign(Formatter.response(ts, nonce, body), o.key ?? platform.privateKey);
  return {
    status, body,
    headers: { 'wechatpay-timestamp': String(ts), 'wechatpay-nonce': nonce, 'wechatpay-signature': signature, 'wechatpay-serial': o.serial ?? PUB_ID, 'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048' },
  };
}

describe('request signing (checked by wechatpay-axios-plugin)', () => {
  it('native order: exact JSON body, fen, RFC 3339 +08:00, notify_url verbatim, verifiable Authorization', () => {
    const req = sent(wx.create.build(ctx, input));
    expect(req.method).toBe('POST');
    expect(req.url).toBe('https://api.mch.weixin.qq.com/v3/pay/transactions/native');
    expect(JSON.parse(req.body!)).toEqual({
      appid: RAW.appid, mchid: RAW.mchid, description: '2 张电影票', out_trade_no: input.reference, time_expire: '2026-11-25T20:15:00+08:00',
      notify_url: ctx.notifyUrl, amount: { total: 8888, currency: 'CNY' },
    });
    expect(req.headers['Content-Type']).toBe('application/json');
    expect(req.headers.Accept).toBe('application/json');
    checkAuthorization('POST', req.url, req.body, req.headers.Authorization);
  });

  it('GET query: path with ?mchid=, message ends with "nonce\\n\\n"', () => {
    const req = sent(wx.query.build(ctx, input.reference));
    expect(req.url).toBe(`https://api.mch.weixin.qq.com/v3/pay/transactions/out-trade-no/${input.reference}?mchid=1900000109`);
    expect(req.body).toBeUndefined();
    const { nonce, message } = checkAuthorization('GET', req.url, undefined, req.headers.Authorization);
    expect(message.endsWith(`${nonce}\n\n`)).toBe(true);
  });

  it('signs the full path under a simulator prefix; close, refund and refund query are signed too', () => {
    const sandbox = { ...ctx, baseUrl: 'http://127.0.0.1:8080/sandbox/wechatpay' };
    for (const req of [sent(wx.close.build(sandbox, input.reference)), sent(wx.refund.build(sandbox, refundIn)), sent(wx.refundQuery.build(sandbox, refundIn))]) {
      expect(req.url.startsWith('http://127.0.0.1:8080/sandbox/wechatpay/v3/')).toBe(true);
      checkAuthorization(req.method, req.url, req.body, req.headers.Authorization);
    }
    expect(JSON.parse(sent(wx.close.build(ctx, input.reference)).body!)).toEqual({ mchid: RAW.mchid });
    expect(JSON.parse(sent(wx.refund.build(ctx, refundIn)).body!)).toEqual({
      out_trade_no: input.reference, out_refund_no: refundIn.refundReference, notify_url: ctx.notifyUrl, amount: { refund: 1000, total: 8888, currency: 'CNY' },
    });
    expect(sent(wx.refundQuery.build(ctx, refundIn)).url).toBe(`https://api.mch.weixin.qq.com/v3/refund/domestic/refunds/${refundIn.refundReference}`);
  });

  it('nonce is reproducible for the same inputs and time, and differs otherwise', () => {
    const a = sent(wx.create.build(ctx, input)).headers.Authorization;
    expect(sent(wx.create.build(ctx, input)).headers.Authorization).toBe(a);
    const later = sent(wx.create.build({ ...ctx, now: new Date(NOW.getTime() + 1) }, input)).headers.Authorization;
    expect(AUTH.exec(later!)![2]).not.toBe(AUTH.exec(a!)![2]);
  });

  it('refuses what WeChat Pay would refuse, before sending', () => {
    expect(wx.create.build(ctx, { ...input, currency: 'USD' })).toMatchObject({ ok: false, code: 'VALIDATION.UNSUPPORTED_CURRENCY', retryable: false });
    expect(wx.create.build(ctx, { ...input, amount: 1.5 })).toMatchObject({ ok: false, message: expect.stringMatching(/fen/) });
    // build() never throws (docs/adr/0008): the refusal is a failure value and nothing is sent.
    expect(wx.refund.build(ctx, { ...refundIn, paymentAmount: undefined })).toMatchObject({ ok: false, retryable: false, message: expect.stringMatching(/order total/) });
    expect(wx.currencies).toEqual(['CNY']);
  });
});

describe('answers (signed by the oracle)', () => {
  it('create: code_url becomes the QR code', () => {
    const r = wx.create.parse(ctx, input, signedResponse(200, '{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}'));
    expect(r).toEqual({ ok: true, reference: input.reference, qrCode: 'weixin://wxpay/bizpayurl?pr=p4lpSuKzz' });
  });

  it('rejects unsigned, tampered, stale, probe and unknown-serial answers', () => {
    const body = '{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}';
    const good = signedResponse(200, body);
    const cases: Array<[string, WireResponse, RegExp]> = [
      ['unsigned', { status: 200, headers: {}, body }, /no Wechatpay-Signature/],
      ['tampered body', { ...good, body: body.replace('p4l', 'x4l') }, /does not verify/],
      ['stale', signedResponse(200, body, { ts: NOW.getTime() / 1000 - 301 }), /301 s away/],
      ['future', signedResponse(200, body, { ts: NOW.getTime() / 1000 + 301 }), /301 s away/],
      ['SIGNTEST probe', signedResponse(200, body, { signature: `WECHATPAY/SIGNTEST/${good.headers['wechatpay-signature']}` }), /SIGNTEST/],
      ['unknown serial', signedResponse(200, body, { serial: 'PUB_KEY_ID_0199' }), /PUB_KEY_ID_0199 is not configured for this account/],
      ['merchant key', signedResponse(200, body, { key: merchant.privateKey }), /does not verify/],
    ];
    for (const [what, res, message] of cases) {
      const r = wx.create.parse(ctx, input, res);
      expect(r.ok, what).toBe(false);
      if (!r.ok) {
        expect(r.code, what).toBe('CONNECTOR.RESPONSE_SIGNATURE_INVALID');
        expect(r.message, what).toMatch(message);
      }
    }
    expect(wx.create.parse(ctx, input, signedResponse(200, body, { ts: NOW.getTime() / 1000 - 300 })).ok).toBe(true);
  });

  it('maps errors: 5xx / SYSTEM_ERROR retryable, 401 SIGN_ERROR auth, business codes rejected', () => {
    const err = (status: number, code: string) => signedResponse(status, JSON.stringify({ code, message: 'x' }));
    expect(wx.create.parse(ctx, input, { status: 502, headers: {}, body: '' })).toMatchObject({ ok: false, code: 'CONNECTOR.UNAVAILABLE', retryable: true });
    expect(wx.create.parse(ctx, input, err(500, 'SYSTEM_ERROR'))).toMatchObject({ ok: false, code: 'CONNECTOR.UNAVAILABLE', retryable: true });
    expect(wx.create.parse(ctx, input, err(429, 'FREQUENCY_LIMITED'))).toMatchObject({ ok: false, retryable: true });
    expect(wx.create.parse(ctx, input, err(401, 'SIGN_ERROR'))).toMatchObject({ ok: false, code: 'CONNECTOR.AUTH_FAILED', providerCode: 'SIGN_ERROR' });
    expect(wx.create.parse(ctx, input, err(400, 'APPID_MCHID_NOT_MATCH'))).toMatchObject({ ok: false, code: 'CONNECTOR.REJECTED', retryable: false });
  });

  it('query: every trade_state maps; unknown is pending; ORDER_NOT_EXIST (signed) is pending', () => {
    const q = (state: string, extra = {}) => wx.query.parse(ctx, input.reference, 'CNY', signedResponse(200, JSON.stringify({ mchid: RAW.mchid, appid: RAW.appid, out_trade_no: input.reference, trade_state: state, amount: { total: 8888, currency: 'CNY' }, ...extra })));
    const expected: Record<string, string> = { SUCCESS: 'succeeded', REFUND: 'succeeded', NOTPAY: 'pending', USERPAYING: 'processing', CLOSED: 'failed', REVOKED: 'failed', PAYERROR: 'processing', SOMETHING_NEW: 'pending' };
    for (const [state, status] of Object.entries(expected)) expect(q(state), state).toMatchObject({ ok: true, status, providerStatus: state, amount: 8888 });
    expect(q('SUCCESS', { transaction_id: '4200001234' })).toMatchObject({ providerTransactionId: '4200001234' });
    // PAYERROR leaves the order open (issue 13): a decline with WeChat's own text, not a failure.
    expect(q('PAYERROR', { trade_state_desc: '银行卡余额不足' })).toMatchObject({ status: 'processing', decline: { code: 'card_declined', providerCode: 'PAYERROR', message: '银行卡余额不足' } });
    expect(q('NOTPAY')).not.toHaveProperty('decline');
    expect(q('SUCCESS', { out_trade_no: 'other_order' })).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE' });
    expect(q('SUCCESS', { amount: { total: 88.88, currency: 'CNY' } })).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE' });
    expect(wx.query.parse(ctx, input.reference, 'CNY', signedResponse(404, '{"code":"ORDER_NOT_EXIST","message":"订单不存在"}'))).toMatchObject({ ok: true, status: 'pending' });
    expect(wx.query.parse(ctx, input.reference, 'CNY', { status: 404, headers: {}, body: '{"code":"ORDER_NOT_EXIST","message":"x"}' })).toMatchObject({ ok: false });
  });

  it('close: 204 closed, ORDERPAID not closable', () => {
    expect(wx.close.parse(ctx, input.reference, signedResponse(204, ''))).toEqual({ ok: true, outcome: 'closed' });
    expect(wx.close.parse(ctx, input.reference, signedResponse(400, '{"code":"ORDERPAID","message":"订单已支付"}'))).toEqual({ ok: true, outcome: 'not_closable' });
  });

  it('refund: SUCCESS / PROCESSING / ABNORMAL / CLOSED, amount checked, declines are results', () => {
    const r = (status: string, refund = 1000, res = 200) => wx.refund.parse(ctx, refundIn, signedResponse(res, JSON.stringify({ refund_id: '503001', out_refund_no: refundIn.refundReference, out_trade_no: input.reference, status, amount: { refund, total: 8888, currency: 'CNY' } })));
    expect(r('SUCCESS')).toEqual({ ok: true, status: 'succeeded', providerRefundId: '503001' });
    expect(r('PROCESSING')).toEqual({ ok: true, status: 'pending', providerRefundId: '503001' });
    expect(r('ABNORMAL')).toMatchObject({ ok: true, status: 'failed' });
    expect(r('CLOSED')).toMatchObject({ ok: true, status: 'failed' });
    expect(r('SUCCESS', 999)).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE' });
    expect(wx.refund.parse(ctx, refundIn, signedResponse(400, '{"code":"INVALID_REQUEST","message":"申请退款金额超过订单可退金额"}'))).toMatchObject({ ok: true, status: 'failed' });
    expect(wx.refund.parse(ctx, refundIn, signedResponse(403, '{"code":"NOT_ENOUGH","message":"余额不足"}'))).toMatchObject({ ok: false, retryable: true });
    expect(wx.refundQuery.parse(ctx, refundIn, signedResponse(200, JSON.stringify({ out_refund_no: refundIn.refundReference, status: 'SUCCESS', amount: { refund: 1000 } })))).toMatchObject({ ok: true, status: 'succeeded' });
  });
});

describe('credentials', () => {
  it('accepts public-key mode, certificate mode and both; rejects the usual mistakes with the field named', () => {
    expect(parseWechatpayCredentials(RAW).verifiers.has(PUB_ID)).toBe(true);
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ ...RAW, apiv3_key: 'short' }, 'apiv3_key'],
      [{ ...RAW, wechatpay_public_key: undefined, wechatpay_public_key_id: undefined }, 'wechatpay_public_key'],
      [{ ...RAW, wechatpay_public_key: merchant.publicKey }, 'wechatpay_public_key'],
      [{ ...RAW, wechatpay_public_key_id: 'KEY_1' }, 'wechatpay_public_key_id'],
      [{ ...RAW, mchid: 'abc' }, 'mchid'],
      [{ ...RAW, private_key: platform.publicKey }, 'private_key'],
      [{ ...RAW, platform_certificates: ['not a cert'] }, 'platform_certificates[0]'],
    ];
    for (const [raw, field] of bad) {
      try {
        parseWechatpayCredentials(raw);
        expect.unreachable(field);
      } catch (err) {
        expect(err).toBeInstanceOf(PaygateError);
        expect((err as PaygateError).field).toBe(field);
      }
    }
  });
});
