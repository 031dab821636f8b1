/**
 * Request side: the string to sign, the form body, GMT+8 timestamps, cross-checked against
 * alipay-sdk (the independent oracle) and against node:crypto used step by step here.
 */
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConnectorContext, CreateInput, RefundInput, WireRequest } from '../types.js';
import { alipayConnector, alipayBillDate, buildBillDownloadUrl, buildCancel, type AlipayCredentials } from './index.js';
import { canonicalString } from './sign.js';
import { chinaDate, chinaDateTime } from './time.js';
import { sent } from '../../test-support/wire.js';

const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const appPrivatePem = app.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const alipayPublicPem = alipay.publicKey.export({ type: 'spki', format: 'pem' }).toString();

const credentials = alipayConnector.parseCredentials({
  app_id: '2021000122671080',
  private_key: appPrivatePem,
  alipay_public_key: alipayPublicPem,
});

const ctx: ConnectorContext<AlipayCredentials> = {
  credentials,
  baseUrl: 'https://openapi-sandbox.dl.alipaydev.com',
  notifyUrl: 'https://pay.example.com/v1/notify/alipay/pa_123',
  now: new Date('2026-01-01T16:30:00Z'),
};

const createInput: CreateInput = {
  reference: 'pay_01HXYZ_attempt1',
  amount: 8888,
  currency: 'CNY',
  // Characters that change meaning under URL encoding, plus non-ASCII text.
  description: '测试 订单 a+b=c&d %20 "quoted" \\ /slash',
  expiresAt: new Date('2026-01-01T16:45:00Z'),
};

const refundInput: RefundInput = { reference: 'pay_1', refundReference: 'rf_1', amount: 1, currency: 'CNY', reason: '顾客 退货' };

function formOf(req: WireRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(req.body ?? '')) {
    expect(out[k], `duplicate ${k}`).toBeUndefined();
    out[k] = v;
  }
  return out;
}

/** The string to sign, written out independently of sign.ts. */
function expectedSignContent(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

function sdk(): AlipaySdk {
  return new AlipaySdk({ appId: credentials.appId, privateKey: appPrivatePem, alipayPublicKey: alipayPublicPem });
}

/** What alipay-sdk signs for the same call; timestamp/format passed in to sidestep its local-TZ clock. */
function sdkParams(method: string, form: Record<string, string>): Record<string, string> {
  const extra: Record<string, string> = { timestamp: form.timestamp ?? '', format: 'JSON' };
  if (form.notify_url !== undefined) extra.notify_url = form.notify_url;
  const query = sdk().sdkExecute(method, { ...extra, bizContent: JSON.parse(form.biz_content ?? '{}') }, { bizContentAutoSnakeCase: false });
  return Object.fromEntries(new URLSearchParams(query));
}

describe('canonical string', () => {
  it('sorts by ASCII, drops empty values and sign, keeps values raw', () => {
    const s = canonicalString(
      { b: '2', a_b: 'x y', A: 'upper', sign: 'zzz', empty: '', a: '中&=+%', absent: undefined },
      { exclude: ['sign'] },
    );
    expect(s).toBe('A=upper&a=中&=+%&a_b=x y&b=2');
  });
  it('keeps empty values only when asked (notification compatibility)', () => {
    expect(canonicalString({ b: '', a: '1', sign_type: 'RSA2' }, { exclude: ['sign', 'sign_type'], keepEmpty: true })).toBe('a=1&b=');
  });
});

describe('GMT+8 time formatting', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  it.each([
    ['UTC', 16],
    ['America/Los_Angeles', 8],
    ['Asia/Shanghai', 0],
    ['Asia/Kolkata', 22],
    ['Pacific/Kiritimati', 6],
  ])('formats 2026-01-01T16:30:00Z as 2026-01-02 00:30:00 with TZ=%s', (tz, localHour) => {
    process.env.TZ = tz;
    const at = new Date('2026-01-01T16:30:00Z');
    // Proves the TZ switch took effect, so a formatter using local time would fail here.
    expect(at.getHours()).toBe(localHour);
    expect(chinaDateTime(at)).toBe('2026-01-02 00:30:00');
    expect(chinaDate(at)).toBe('2026-01-02');
    expect(alipayBillDate(at)).toBe('2026-01-02');
  });

  it('handles padding, leap days and year ends', () => {
    process.env.TZ = 'America/New_York';
    expect(chinaDateTime(new Date('2024-02-28T16:00:00Z'))).toBe('2024-02-29 00:00:00');
    expect(chinaDateTime(new Date('2025-12-31T15:59:59Z'))).toBe('2025-12-31 23:59:59');
    expect(chinaDateTime(new Date('2025-12-31T16:00:00Z'))).toBe('2026-01-01 00:00:00');
    expect(chinaDateTime(new Date('2026-03-05T01:02:03.999Z'))).toBe('2026-03-05 09:02:03');
    expect(() => chinaDateTime(new Date('nope'))).toThrow(RangeError);
  });

  it('documents the SDK caveat: its own timestamp follows the process TZ', () => {
    process.env.TZ = 'UTC';
    vi.useFakeTimers({ now: new Date('2026-01-01T16:30:00Z'), toFake: ['Date'] });
    try {
      const params = Object.fromEntries(new URLSearchParams(sdk().sdkExecute('alipay.trade.query', { bizContent: { out_trade_no: 'x' } })));
      expect(params.timestamp).toBe('2026-01-01 16:30:00');
      expect(params.format).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('precreate request', () => {
  const req = sent(alipayConnector.create.build(ctx, createInput));
  const form = formOf(req);

  it('posts every parameter in a UTF-8 form body to /gateway.do', () => {
    expect(req.method).toBe('POST');
    expect(req.url).toBe('https://openapi-sandbox.dl.alipaydev.com/gateway.do');
    expect(req.headers['Content-Type']).toBe('application/x-www-form-urlencoded;charset=utf-8');
    const { sign, biz_content: biz, ...common } = form;
    expect(common).toEqual({
      app_id: '2021000122671080',
      method: 'alipay.trade.precreate',
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: '2026-01-02 00:30:00',
      version: '1.0',
      notify_url: 'https://pay.example.com/v1/notify/alipay/pa_123',
    });
    expect(sign).toMatch(/^[A-Za-z0-9+/]{342}==$/);
    expect(JSON.parse(biz ?? '')).toEqual({
      out_trade_no: 'pay_01HXYZ_attempt1',
      total_amount: '88.88',
      subject: createInput.description,
      time_expire: '2026-01-02 00:45:00',
    });
  });

  it('signs with the app private key over the sorted raw k=v string', () => {
    const content = expectedSignContent(form);
    expect(content.startsWith('app_id=2021000122671080&biz_content={')).toBe(true);
    const ok = verify('sha256', Buffer.from(content, 'utf8'), app.publicKey, Buffer.from(form.sign ?? '', 'base64'));
    expect(ok).toBe(true);
    // The same signature must not cover a changed amount.
    const tampered = content.replace('"88.88"', '"88.89"');
    expect(tampered).not.toBe(content);
    expect(verify('sha256', Buffer.from(tampered, 'utf8'), app.publicKey, Buffer.from(form.sign ?? '', 'base64'))).toBe(false);
    // Nor verify under Alipay's key: proves which key signed.
    expect(verify('sha256', Buffer.from(content, 'utf8'), alipay.publicKey, Buffer.from(form.sign ?? '', 'base64'))).toBe(false);
  });

  it('produces the exact parameters and signature alipay-sdk produces for the same call', () => {
    const theirs = sdkParams('alipay.trade.precreate', form);
    expect(theirs).toEqual(form);
  });

  it('passes notify_url exactly as given and leaves it out when empty', () => {
    const odd = sent(alipayConnector.create.build({ ...ctx, notifyUrl: 'https://h.example/n/a%2Fb' }, createInput));
    expect(formOf(odd).notify_url).toBe('https://h.example/n/a%2Fb');
    expect(formOf(sent(alipayConnector.create.build({ ...ctx, notifyUrl: '' }, createInput))).notify_url).toBeUndefined();
  });

  it('formats amounts exactly and enforces 0.01..100000000 CNY before sending', () => {
    const total = (amount: number) => JSON.parse(formOf(sent(alipayConnector.create.build(ctx, { ...createInput, amount }))).biz_content ?? '').total_amount;
    expect(total(1)).toBe('0.01');
    expect(total(8888)).toBe('88.88');
    expect(total(10)).toBe('0.10');
    expect(total(10_000_000_000)).toBe('100000000.00');
    // Refused as a failure value, never thrown: nothing is sent.
    for (const amount of [0, -1, 10_000_000_001, 1.5]) {
      expect(alipayConnector.create.build(ctx, { ...createInput, amount })).toMatchObject({ ok: false, code: 'VALIDATION.INVALID_BODY', retryable: false });
    }
    expect(alipayConnector.create.build(ctx, { ...createInput, currency: 'USD' })).toMatchObject({ ok: false, code: 'VALIDATION.UNSUPPORTED_CURRENCY' });
  });
});

describe('other requests', () => {
  const cases: [string, WireRequest, Record<string, string>][] = [
    ['alipay.trade.query', sent(alipayConnector.query.build(ctx, 'pay_1')), { out_trade_no: 'pay_1' }],
    ['alipay.trade.close', sent(alipayConnector.close.build(ctx, 'pay_1')), { out_trade_no: 'pay_1' }],
    ['alipay.trade.cancel', buildCancel(ctx, 'pay_1'), { out_trade_no: 'pay_1' }],
    [
      'alipay.trade.refund',
      sent(alipayConnector.refund.build(ctx, refundInput)),
      { out_trade_no: 'pay_1', refund_amount: '0.01', out_request_no: 'rf_1', refund_reason: '顾客 退货' },
    ],
    ['alipay.trade.fastpay.refund.query', sent(alipayConnector.refundQuery.build(ctx, refundInput)), { out_trade_no: 'pay_1', out_request_no: 'rf_1' }],
    ['alipay.data.dataservice.bill.downloadurl.query', sent(buildBillDownloadUrl(ctx, '2026-01-01')), { bill_type: 'trade', bill_date: '2026-01-01' }],
  ];

  it.each(cases)('%s: method, biz_content, no notify_url, and the SDK signs identically', (method, req, biz) => {
    const form = formOf(req);
    expect(form.method).toBe(method);
    expect(form.notify_url).toBeUndefined();
    expect(JSON.parse(form.biz_content ?? '')).toEqual(biz);
    expect(sdkParams(method, form)).toEqual(form);
    const ok = verify('sha256', Buffer.from(expectedSignContent(form)), createPublicKey(app.privateKey), Buffer.from(form.sign ?? '', 'base64'));
    expect(ok).toBe(true);
  });

  it('omits an absent refund_reason from biz_content', () => {
    const { reason: _reason, ...noReason } = refundInput;
    const biz = JSON.parse(formOf(sent(alipayConnector.refund.build(ctx, noReason))).biz_content ?? '');
    expect(biz).toEqual({ out_trade_no: 'pay_1', refund_amount: '0.01', out_request_no: 'rf_1' });
  });

  it('refuses non-CNY refunds and malformed bill dates before sending', () => {
    // build() never throws (docs/adr/0008): the refusal is a failure value and nothing is sent.
    expect(alipayConnector.refund.build(ctx, { ...refundInput, currency: 'EUR' })).toMatchObject({ ok: false, retryable: false, code: 'VALIDATION.UNSUPPORTED_CURRENCY' });
    expect(alipayConnector.refund.build(ctx, { ...refundInput, amount: 0 })).toMatchObject({ ok: false, retryable: false, code: 'VALIDATION.INVALID_BODY' });
    expect(buildBillDownloadUrl(ctx, '2026-1-01')).toMatchObject({ ok: false, retryable: false, code: 'VALIDATION.INVALID_BODY' });
    expect(buildBillDownloadUrl(ctx, '2026-13-01')).toMatchObject({ ok: false, retryable: false, code: 'VALIDATION.INVALID_BODY' });
  });
});
