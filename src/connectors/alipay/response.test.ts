/**
 * Response side: the signed node is cut byte-exactly from the raw body and verified with the
 * ALIPAY public key; alipay-sdk's checkResponseSign is the oracle that the fixtures are
 * signed the way Alipay signs.
 */
import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { describe, expect, it } from 'vitest';
import type { ConnectorContext, CreateInput, WireResponse } from '../types.js';
import { alipayConnector, type AlipayCredentials } from './index.js';
import { topLevelSpans } from './json-span.js';

const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

const credentials = alipayConnector.parseCredentials({
  app_id: '2021000122671080',
  private_key: app.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
  alipay_public_key: alipay.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
});
const ctx: ConnectorContext<AlipayCredentials> = {
  credentials,
  baseUrl: 'https://openapi.alipay.com',
  notifyUrl: 'https://pay.example.com/n',
  now: new Date('2026-01-01T00:00:00Z'),
};
const input: CreateInput = { reference: 'pay_1', amount: 8888, currency: 'CNY', description: 'x', expiresAt: new Date('2026-01-01T00:15:00Z') };

const sdk = new AlipaySdk({
  appId: credentials.appId,
  privateKey: app.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  alipayPublicKey: alipay.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
});

const PRECREATE_KEY = 'alipay_trade_precreate_response';

/** Alipay's scheme: sign the node text exactly as it is written into the body. */
function signNode(nodeText: string, key: KeyObject = alipay.privateKey): string {
  return sign('sha256', Buffer.from(nodeText, 'utf8'), key).toString('base64');
}

function body(responseKey: string, nodeText: string, key: KeyObject = alipay.privateKey): string {
  return `{"${responseKey}":${nodeText},"sign":"${signNode(nodeText, key)}"}`;
}

function ok(text: string, status = 200): WireResponse {
  return { status, headers: { 'content-type': 'application/json;charset=utf-8' }, body: text };
}

/** A signed answer for `method` whose node is `node` serialised plainly. */
function signed(method: string, node: Record<string, string>): WireResponse {
  return ok(body(`${method.replaceAll('.', '_')}_response`, JSON.stringify(node)));
}

function unsignedError(node: Record<string, string>): WireResponse {
  return ok(JSON.stringify({ error_response: node }));
}

describe('raw node extraction and signature', () => {
  // Escaped slashes, \u escapes, raw CJK, odd spacing, and braces/"sign" inside strings: any
  // re-serialisation changes these bytes, so only the raw substring verifies.
  const nodeText =
    '{ "code":"10000","msg" : "Success",\n  "out_trade_no":"pay_1", "qr_code":"https:\\/\\/qr.alipay.com\\/bax08431","note":"\\u4e2d文 }{ \\"sign\\":\\"x\\"", "n":[1, {"a":null}] }';
  const raw = `{  "${PRECREATE_KEY}" :\t${nodeText} ,\r\n  "sign"  :  "${signNode(nodeText)}" }`;

  it('fixture sanity: re-serialising the node changes its bytes', () => {
    expect(JSON.stringify(JSON.parse(nodeText))).not.toBe(nodeText);
    const spans = topLevelSpans(raw).get(PRECREATE_KEY) ?? [];
    expect(spans).toHaveLength(1);
    expect(raw.slice(spans[0]?.start, spans[0]?.end)).toBe(nodeText);
  });

  it('alipay-sdk checkResponseSign accepts the body (the fixture is signed the way Alipay signs)', () => {
    const serverSign = (JSON.parse(raw) as { sign: string }).sign;
    expect(() => sdk.checkResponseSign(raw, PRECREATE_KEY, serverSign, 'trace')).not.toThrow();
    expect(() => sdk.checkResponseSign(raw.replace('bax08431', 'bax08432'), PRECREATE_KEY, serverSign, 'trace')).toThrow(/验签失败/);
  });

  it('the connector verifies it and reads the decoded values', () => {
    expect(alipayConnector.create.parse(ctx, input, ok(raw))).toEqual({
      ok: true,
      reference: 'pay_1',
      qrCode: 'https://qr.alipay.com/bax08431',
    });
  });

  it('accepts the sign member before the node (alipay-sdk getSignStr cannot)', () => {
    const reordered = `{"sign":"${signNode(nodeText)}","${PRECREATE_KEY}":${nodeText}}`;
    expect(alipayConnector.create.parse(ctx, input, ok(reordered)).ok).toBe(true);
  });

  it('rejects a tampered node, including whitespace-only changes inside it', () => {
    for (const tampered of [raw.replace('bax08431', 'bax08432'), raw.replace('"msg" : ', '"msg": ')]) {
      expect(tampered).not.toBe(raw);
      const r = alipayConnector.create.parse(ctx, input, ok(tampered));
      expect(r).toMatchObject({ ok: false, code: 'CONNECTOR.RESPONSE_SIGNATURE_INVALID', retryable: false });
    }
    // Whitespace outside the node is not signed.
    expect(alipayConnector.create.parse(ctx, input, ok(raw.replace(',\r\n  "sign"', ',"sign"'))).ok).toBe(true);
  });

  it('rejects a signature by any key other than the Alipay key, naming the likely mix-up', () => {
    const r = alipayConnector.create.parse(ctx, input, ok(body(PRECREATE_KEY, nodeText, stranger.privateKey)));
    expect(r).toMatchObject({ ok: false, code: 'CONNECTOR.RESPONSE_SIGNATURE_INVALID' });
  });

  it('with the app public key configured as alipay_public_key, says so', () => {
    const mixedUp: AlipayCredentials = { mode: 'public_key', appId: credentials.appId, privateKey: credentials.privateKey, alipayPublicKey: createPublicKey(app.privateKey) };
    const r = alipayConnector.create.parse({ ...ctx, credentials: mixedUp }, input, ok(raw));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('CONNECTOR.RESPONSE_SIGNATURE_INVALID');
    expect(r.message).toMatch(/alipay_public_key is the ALIPAY public key/);
    expect(r.message).toMatch(/not your app public key/);
  });

  it('refuses unsigned or junk-signed success answers', () => {
    const unsignedSuccess = `{"${PRECREATE_KEY}":${nodeText}}`;
    expect(alipayConnector.create.parse(ctx, input, ok(unsignedSuccess))).toMatchObject({ code: 'CONNECTOR.RESPONSE_SIGNATURE_INVALID' });
    const junk = raw.replace(/"sign"\s*:\s*"[^"]+"/, '"sign":"!!not base64!!"');
    expect(alipayConnector.create.parse(ctx, input, ok(junk))).toMatchObject({ code: 'CONNECTOR.RESPONSE_SIGNATURE_INVALID' });
  });

  it('refuses duplicate nodes (JSON.parse would read the unsigned second one)', () => {
    const evil = `{"${PRECREATE_KEY}":${nodeText},"${PRECREATE_KEY}":{"code":"10000","qr_code":"https://evil"},"sign":"${signNode(nodeText)}"}`;
    expect(alipayConnector.create.parse(ctx, input, ok(evil))).toMatchObject({ code: 'CONNECTOR.BAD_RESPONSE' });
  });

  it.each([
    ['HTML error page', ok('<html>502</html>')],
    ['truncated JSON', ok(raw.slice(0, 40))],
    ['JSON array', ok('[]')],
    ['no response node', ok('{"other_response":{"code":"10000"}}')],
    ['node not an object', ok(`{"${PRECREATE_KEY}":"x"}`)],
    ['node without code', signed('alipay.trade.precreate', { msg: 'Success' })],
    ['HTTP 404', ok(raw, 404)],
  ])('maps %s to CONNECTOR.BAD_RESPONSE', (_label, res) => {
    expect(alipayConnector.create.parse(ctx, input, res)).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE', retryable: false });
  });

  it('maps HTTP >= 500 (and 429) to a retryable CONNECTOR.UNAVAILABLE whatever the body', () => {
    for (const status of [500, 502, 503, 429]) {
      expect(alipayConnector.create.parse(ctx, input, ok(raw, status))).toMatchObject({ ok: false, code: 'CONNECTOR.UNAVAILABLE', retryable: true });
    }
  });
});

describe('error-code mapping (shared by every operation)', () => {
  const m = 'alipay.trade.precreate';
  it.each([
    ['20000 service unavailable', signed(m, { code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error' }), 'CONNECTOR.UNAVAILABLE', true, '20000/isp.unknow-error'],
    ['40004 ACQ.SYSTEM_ERROR', signed(m, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.SYSTEM_ERROR' }), 'CONNECTOR.UNAVAILABLE', true, '40004/ACQ.SYSTEM_ERROR'],
    ['unsigned 20000', unsignedError({ code: '20000', msg: 'Service Currently Unavailable' }), 'CONNECTOR.UNAVAILABLE', true, '20000'],
    ['40002 isv.invalid-signature', signed(m, { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature' }), 'CONNECTOR.AUTH_FAILED', false, '40002/isv.invalid-signature'],
    ['unsigned 40002 isv.invalid-app-id', unsignedError({ code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-app-id' }), 'CONNECTOR.AUTH_FAILED', false, '40002/isv.invalid-app-id'],
    ['40002 other parameter error', signed(m, { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-parameter' }), 'CONNECTOR.REJECTED', false, '40002/isv.invalid-parameter'],
    ['40004 business failure', signed(m, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_HAS_SUCCESS', sub_msg: '交易已被支付' }), 'CONNECTOR.REJECTED', false, '40004/ACQ.TRADE_HAS_SUCCESS'],
    ['40006 insufficient permissions', signed(m, { code: '40006', msg: 'Insufficient Permissions', sub_code: 'isv.insufficient-isv-permissions' }), 'CONNECTOR.REJECTED', false, '40006/isv.insufficient-isv-permissions'],
  ])('%s', (_label, res, code, retryable, providerCode) => {
    const r = alipayConnector.create.parse(ctx, input, res);
    expect(r).toMatchObject({ ok: false, code, retryable, providerCode });
  });

  it('puts sub_msg into the REJECTED message', () => {
    const r = alipayConnector.create.parse(ctx, input, signed(m, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_HAS_SUCCESS', sub_msg: '交易已被支付' }));
    expect(r.ok ? '' : r.message).toContain('40004/ACQ.TRADE_HAS_SUCCESS 交易已被支付');
  });
});
