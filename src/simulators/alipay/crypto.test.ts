import { AlipaySdk } from 'alipay-sdk';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalString, NOTIFY_SIGN_EXCLUDES, REQUEST_SIGN_EXCLUDES, rsa2Sign, rsa2Verify, signedResponseBody } from './crypto.js';
import { formatCst, formatYuan, parseCst, parseYuan } from './format.js';

const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const sdk = new AlipaySdk({ appId: '2021000000000001', privateKey: privatePem, alipayPublicKey: publicPem, camelcase: false });

describe('alipay simulator crypto', () => {
  it('verifies what the official SDK signs (sdkExecute), and rejects changed values', () => {
    const query = sdk.sdkExecute('alipay.trade.query', {
      notifyUrl: 'https://shop.example/notify?x=1&y=2',
      bizContent: { out_trade_no: 'A&B=C', total_amount: '1.00', subject: '中文 + spaces' },
    });
    const params = Object.fromEntries(new URLSearchParams(query));
    const content = canonicalString(params, REQUEST_SIGN_EXCLUDES);
    expect(content.startsWith('app_id=2021000000000001&biz_content={')).toBe(true);
    expect(content).toContain('sign_type=RSA2');
    expect(rsa2Verify(content, params.sign as string, pair.publicKey)).toBe(true);
    const changed = canonicalString({ ...params, timestamp: '2000-01-01 00:00:00' }, REQUEST_SIGN_EXCLUDES);
    expect(rsa2Verify(changed, params.sign as string, pair.publicKey)).toBe(false);
    expect(rsa2Verify(content, 'not base64 at all', pair.publicKey)).toBe(false);
  });

  it('drops empty values and sorts keys', () => {
    expect(canonicalString({ b: '2', a: '1', c: '', sign: 's', sign_type: 'RSA2' }, NOTIFY_SIGN_EXCLUDES)).toBe('a=1&b=2');
    expect(canonicalString({ b: '2', a: '1', sign: 's', sign_type: 'RSA2' }, REQUEST_SIGN_EXCLUDES)).toBe('a=1&b=2&sign_type=RSA2');
  });

  it('produces response bodies that the SDK checkResponseSign accepts', () => {
    const body = signedResponseBody('alipay_trade_query_response', { code: '10000', msg: 'Success', url: 'http://a/b' }, { privateKey: createPrivateKey(privatePem) });
    expect(body).toContain('"url":"http:\\/\\/a\\/b"');
    const { sign } = JSON.parse(body) as { sign: string };
    expect(() => sdk.checkResponseSign(body, 'alipay_trade_query_response', sign, '')).not.toThrow();
    const tampered = body.replace('10000', '10001');
    expect(() => sdk.checkResponseSign(tampered, 'alipay_trade_query_response', sign, '')).toThrow();
  });

  it('signs notifications the SDK accepts', () => {
    const fields: Record<string, string> = { notify_id: 'n1', trade_status: 'TRADE_SUCCESS', sign_type: 'RSA2', gmt_payment: '2024-01-01 10:00:00' };
    fields.sign = rsa2Sign(canonicalString(fields, NOTIFY_SIGN_EXCLUDES), createPrivateKey(privatePem));
    expect(sdk.checkNotifySignV2(fields)).toBe(true);
    expect(rsa2Verify(canonicalString(fields, NOTIFY_SIGN_EXCLUDES), fields.sign, createPublicKey(publicPem))).toBe(true);
  });
});

describe('alipay simulator formats', () => {
  it('formats and parses GMT+8 independently of the process TZ', () => {
    expect(formatCst(Date.UTC(2024, 0, 31, 16, 30, 5))).toBe('2024-02-01 00:30:05');
    expect(parseCst('2024-02-01 00:30:05')).toBe(Date.UTC(2024, 0, 31, 16, 30, 5));
    expect(parseCst('2024-02-30 00:00:00')).toBeNull();
    expect(parseCst('2024-02-01T00:30:05')).toBeNull();
  });

  it('converts yuan strings to fen exactly', () => {
    expect(parseYuan('88.88')).toBe(8888);
    expect(parseYuan('0.1')).toBe(10);
    expect(parseYuan('100000000')).toBe(10_000_000_000);
    expect(parseYuan('1.005')).toBeNull();
    expect(parseYuan('1e2')).toBeNull();
    expect(parseYuan(' 1.00')).toBeNull();
    expect(formatYuan(8888)).toBe('88.88');
    expect(formatYuan(5)).toBe('0.05');
    expect(formatYuan(-660)).toBe('-6.60');
  });
});
