/**
 * Per-operation result mapping over signed (and some unsigned) gateway answers.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ConnectorContext, CreateInput, RefundInput, WireResponse } from '../types.js';
import { alipayConnector, checkCreateInput, parseBillDownloadUrl, parseCancel, type AlipayCredentials } from './index.js';
import { mapTradeStatus, TRADE_STATUSES } from './status.js';

const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const credentials = alipayConnector.parseCredentials({
  app_id: '2021000122671080',
  private_key: app.privateKey.export({ type: 'pkcs1', format: 'pem' }),
  alipay_public_key: alipay.publicKey.export({ type: 'pkcs1', format: 'pem' }),
});
const ctx: ConnectorContext<AlipayCredentials> = { credentials, baseUrl: 'https://gw', notifyUrl: 'https://n', now: new Date(0) };

type Node = Record<string, string>;

function signed(method: string, node: Node): WireResponse {
  const text = JSON.stringify(node);
  const sig = sign('sha256', Buffer.from(text), alipay.privateKey).toString('base64');
  return { status: 200, headers: {}, body: `{"${method.replaceAll('.', '_')}_response":${text},"sign":"${sig}"}` };
}
function unsigned(node: Node): WireResponse {
  return { status: 200, headers: {}, body: JSON.stringify({ error_response: node }) };
}
const biz = (sub_code: string, sub_msg = 'x'): Node => ({ code: '40004', msg: 'Business Failed', sub_code, sub_msg });

describe('trade_status mapping', () => {
  it('maps every documented status and never guesses success', () => {
    expect(Object.fromEntries(TRADE_STATUSES.map((s) => [s, mapTradeStatus(s)]))).toEqual({
      WAIT_BUYER_PAY: 'processing',
      TRADE_SUCCESS: 'succeeded',
      TRADE_FINISHED: 'succeeded',
      TRADE_CLOSED: 'failed',
    });
    for (const unknown of ['', 'TRADE_PENDING', 'trade_success', 'SUCCESS', 'TRADE_SUCCESS ', 'toString', '__proto__']) {
      expect(mapTradeStatus(unknown)).toBe('pending');
    }
  });
});

describe('create (precreate)', () => {
  const input: CreateInput = { reference: 'pay_1', amount: 8888, currency: 'CNY', description: 'd', expiresAt: new Date(0) };
  const M = 'alipay.trade.precreate';
  it('returns the QR code on success', () => {
    expect(alipayConnector.create.parse(ctx, input, signed(M, { code: '10000', msg: 'Success', out_trade_no: 'pay_1', qr_code: 'https://qr/1' }))).toEqual({
      ok: true,
      reference: 'pay_1',
      qrCode: 'https://qr/1',
    });
  });
  it('rejects an echo of another out_trade_no and a success without qr_code', () => {
    expect(alipayConnector.create.parse(ctx, input, signed(M, { code: '10000', out_trade_no: 'pay_2', qr_code: 'q' }))).toMatchObject({ code: 'CONNECTOR.BAD_RESPONSE' });
    expect(alipayConnector.create.parse(ctx, input, signed(M, { code: '10000', out_trade_no: 'pay_1' }))).toMatchObject({ code: 'CONNECTOR.BAD_RESPONSE' });
  });
  it('refuses non-CNY and out-of-range amounts up front as non-retryable failures', () => {
    const good = signed(M, { code: '10000', out_trade_no: 'pay_1', qr_code: 'q' });
    expect(checkCreateInput(input)).toBeUndefined();
    expect(checkCreateInput({ ...input, currency: 'USD' })).toMatchObject({ ok: false, code: 'VALIDATION.UNSUPPORTED_CURRENCY', retryable: false });
    expect(alipayConnector.create.parse(ctx, { ...input, currency: 'USD' }, good)).toMatchObject({ code: 'VALIDATION.UNSUPPORTED_CURRENCY', retryable: false });
    expect(checkCreateInput({ ...input, amount: 0 })).toMatchObject({ code: 'VALIDATION.INVALID_BODY', retryable: false });
    expect(checkCreateInput({ ...input, amount: 10_000_000_001 })).toMatchObject({ code: 'VALIDATION.INVALID_BODY' });
    expect(checkCreateInput({ ...input, amount: 10_000_000_000 })).toBeUndefined();
    expect(alipayConnector.currencies).toEqual(['CNY']);
  });
});

describe('query', () => {
  const M = 'alipay.trade.query';
  const q = (res: WireResponse) => alipayConnector.query.parse(ctx, 'pay_1', 'CNY', res);
  it.each([
    ['WAIT_BUYER_PAY', 'processing'],
    ['TRADE_SUCCESS', 'succeeded'],
    ['TRADE_FINISHED', 'succeeded'],
    ['TRADE_CLOSED', 'failed'],
    ['SOMETHING_NEW', 'pending'],
  ])('%s → %s with amount in fen and trade_no', (tradeStatus, status) => {
    const res = signed(M, { code: '10000', msg: 'Success', out_trade_no: 'pay_1', trade_no: '2026010122001', trade_status: tradeStatus, total_amount: '88.88' });
    expect(q(res)).toEqual({ ok: true, status, amount: 8888, providerTransactionId: '2026010122001', providerStatus: tradeStatus });
  });
  it('treats a signed ACQ.TRADE_NOT_EXIST as "buyer has not scanned yet"', () => {
    expect(q(signed(M, biz('ACQ.TRADE_NOT_EXIST')))).toEqual({ ok: true, status: 'pending', providerStatus: 'ACQ.TRADE_NOT_EXIST' });
  });
  it('never turns an unsigned answer into a result', () => {
    expect(q(unsigned(biz('ACQ.TRADE_NOT_EXIST')))).toMatchObject({ ok: false, code: 'CONNECTOR.REJECTED', providerCode: '40004/ACQ.TRADE_NOT_EXIST' });
  });
  it('rejects malformed amounts, missing trade_status and foreign out_trade_no', () => {
    for (const total_amount of ['88.888', '8,888', '', '1e3', '-']) {
      expect(q(signed(M, { code: '10000', out_trade_no: 'pay_1', trade_status: 'TRADE_SUCCESS', total_amount }))).toMatchObject({ code: 'CONNECTOR.BAD_RESPONSE' });
    }
    expect(q(signed(M, { code: '10000', out_trade_no: 'pay_1', total_amount: '1.00' }))).toMatchObject({ code: 'CONNECTOR.BAD_RESPONSE' });
    expect(q(signed(M, { code: '10000', out_trade_no: 'pay_9', trade_status: 'TRADE_SUCCESS' }))).toMatchObject({ code: 'CONNECTOR.BAD_RESPONSE' });
  });
  it('passes errors through the shared mapping', () => {
    expect(q(signed(M, biz('ACQ.SYSTEM_ERROR')))).toMatchObject({ code: 'CONNECTOR.UNAVAILABLE', retryable: true });
    expect(q(signed(M, biz('ACQ.INVALID_PARAMETER')))).toMatchObject({ code: 'CONNECTOR.REJECTED', retryable: false, providerCode: '40004/ACQ.INVALID_PARAMETER' });
  });
});

describe('close', () => {
  const M = 'alipay.trade.close';
  const c = (res: WireResponse) => alipayConnector.close.parse(ctx, 'pay_1', res);
  it.each([
    [{ code: '10000', msg: 'Success', out_trade_no: 'pay_1', trade_no: 't' }, 'closed'],
    [biz('ACQ.TRADE_NOT_EXIST'), 'closed'],
    [biz('ACQ.TRADE_STATUS_ERROR'), 'not_closable'],
    [biz('ACQ.TRADE_HAS_SUCCESS'), 'not_closable'],
    [biz('ACQ.TRADE_HAS_CLOSE'), 'not_closable'],
  ])('%o → %s', (node, outcome) => {
    expect(c(signed(M, node))).toEqual({ ok: true, outcome });
  });
  it('retries system errors and rejects the rest', () => {
    expect(c(signed(M, biz('ACQ.SYSTEM_ERROR')))).toMatchObject({ code: 'CONNECTOR.UNAVAILABLE', retryable: true });
    expect(c(signed(M, biz('ACQ.REASON_ILLEGAL_STATUS')))).toMatchObject({ code: 'CONNECTOR.REJECTED' });
    expect(c(unsigned(biz('ACQ.TRADE_NOT_EXIST')))).toMatchObject({ ok: false, code: 'CONNECTOR.REJECTED' });
  });
});

describe('refund', () => {
  const M = 'alipay.trade.refund';
  const input: RefundInput = { reference: 'pay_1', refundReference: 'rf_1', amount: 500, currency: 'CNY' };
  const r = (res: WireResponse) => alipayConnector.refund.parse(ctx, input, res);
  it('fund_change Y → succeeded, N → pending', () => {
    expect(r(signed(M, { code: '10000', msg: 'Success', out_trade_no: 'pay_1', fund_change: 'Y', refund_fee: '5.00' }))).toEqual({ ok: true, status: 'succeeded' });
    expect(r(signed(M, { code: '10000', msg: 'Success', out_trade_no: 'pay_1', fund_change: 'N', refund_fee: '5.00' }))).toEqual({ ok: true, status: 'pending' });
    expect(r(signed(M, { code: '10000', out_trade_no: 'pay_1' }))).toEqual({ ok: true, status: 'pending' });
  });
  it.each(['ACQ.TRADE_NOT_ALLOW_REFUND', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', 'ACQ.SELLER_BALANCE_NOT_ENOUGH', 'ACQ.TRADE_STATUS_ERROR', 'ACQ.TRADE_NOT_EXIST'])(
    'a signed %s decline is a failed refund, not an error',
    (subCode) => {
      expect(r(signed(M, biz(subCode, '原因')))).toEqual({ ok: true, status: 'failed', failureReason: `${subCode}: 原因` });
    },
  );
  it('ACQ.SYSTEM_ERROR is retryable; unsigned declines and auth errors are failures', () => {
    expect(r(signed(M, biz('ACQ.SYSTEM_ERROR')))).toMatchObject({ ok: false, code: 'CONNECTOR.UNAVAILABLE', retryable: true });
    expect(r(unsigned(biz('ACQ.TRADE_NOT_ALLOW_REFUND')))).toMatchObject({ ok: false, code: 'CONNECTOR.REJECTED' });
    expect(r(signed(M, { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature' }))).toMatchObject({ ok: false, code: 'CONNECTOR.AUTH_FAILED' });
    expect(r(signed(M, { code: '10000', out_trade_no: 'pay_2', fund_change: 'Y' }))).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE' });
  });
});

describe('refund query', () => {
  const M = 'alipay.trade.fastpay.refund.query';
  const input: RefundInput = { reference: 'pay_1', refundReference: 'rf_1', amount: 500, currency: 'CNY' };
  const r = (res: WireResponse) => alipayConnector.refundQuery.parse(ctx, input, res);
  const base = { code: '10000', msg: 'Success', out_trade_no: 'pay_1', out_request_no: 'rf_1' };
  it('REFUND_SUCCESS → succeeded; no refund_status → pending', () => {
    expect(r(signed(M, { ...base, refund_status: 'REFUND_SUCCESS', refund_amount: '5.00' }))).toEqual({ ok: true, status: 'succeeded' });
    expect(r(signed(M, { ...base, refund_status: 'REFUND_SUCCESS' }))).toEqual({ ok: true, status: 'succeeded' });
    expect(r(signed(M, base))).toEqual({ ok: true, status: 'pending' });
  });
  it('ACQ.TRADE_NOT_EXIST is a non-retryable REJECTED failure', () => {
    expect(r(signed(M, biz('ACQ.TRADE_NOT_EXIST')))).toMatchObject({ ok: false, code: 'CONNECTOR.REJECTED', retryable: false, providerCode: '40004/ACQ.TRADE_NOT_EXIST' });
  });
  it('rejects answers about another refund or amount', () => {
    expect(r(signed(M, { ...base, out_request_no: 'rf_2', refund_status: 'REFUND_SUCCESS' }))).toMatchObject({ code: 'CONNECTOR.BAD_RESPONSE' });
    expect(r(signed(M, { ...base, refund_status: 'REFUND_SUCCESS', refund_amount: '5.01' }))).toMatchObject({ code: 'CONNECTOR.BAD_RESPONSE' });
    expect(r(signed(M, { ...base, refund_status: 'REFUND_SUCCESS', refund_amount: 'five' }))).toMatchObject({ code: 'CONNECTOR.BAD_RESPONSE' });
  });
});

describe('cancel and bill download URL (outside the port)', () => {
  it('parses cancel outcomes', () => {
    const M = 'alipay.trade.cancel';
    expect(parseCancel(ctx, 'pay_1', signed(M, { code: '10000', out_trade_no: 'pay_1', retry_flag: 'N', action: 'refund' }))).toEqual({ ok: true, action: 'refund', retry: false });
    expect(parseCancel(ctx, 'pay_1', signed(M, { code: '10000', out_trade_no: 'pay_1', retry_flag: 'Y' }))).toEqual({ ok: true, action: undefined, retry: true });
    expect(parseCancel(ctx, 'pay_1', signed(M, biz('ACQ.SYSTEM_ERROR')))).toMatchObject({ ok: false, retryable: true });
  });
  it('parses the bill URL', () => {
    const M = 'alipay.data.dataservice.bill.downloadurl.query';
    expect(parseBillDownloadUrl(ctx, signed(M, { code: '10000', bill_download_url: 'https://dwbillcenter.alipay.com/x?y=1' }))).toEqual({ ok: true, url: 'https://dwbillcenter.alipay.com/x?y=1' });
    expect(parseBillDownloadUrl(ctx, signed(M, { code: '10000' }))).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE' });
    expect(parseBillDownloadUrl(ctx, signed(M, biz('isp.bill_not_exist')))).toMatchObject({ ok: false, code: 'CONNECTOR.REJECTED', providerCode: '40004/isp.bill_not_exist' });
  });
});
