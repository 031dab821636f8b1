import { describe, expect, it } from 'vitest';
import { BillError } from '../bills.js';
import { BILL_COLUMNS, beijingTime, billRow, BillTotals, SUMMARY_COLUMNS, yuanToFen } from './bill-rows.js';

const base: Record<string, string> = {
  交易时间: '2026-11-25 20:00:00', 公众账号ID: 'wxd678efh567hg6787', 商户号: '1900000109', 特约商户号: '0', 设备号: '', 微信订单号: '4200000001202611250000000001',
  商户订单号: 'att_1', 用户标识: 'oUpF8', 交易类型: 'NATIVE', 交易状态: 'SUCCESS', 付款银行: 'OTHERS', 货币种类: 'CNY', 应结订单金额: '88.88', 代金券金额: '0.00',
  微信退款单号: '0', 商户退款单号: '0', 退款金额: '0.00', 充值券退款金额: '0.00', 退款类型: '', 退款状态: '', 商品名称: 'x', 商户数据包: '', 手续费: '0.53', 费率: '0.60%',
  订单金额: '88.88', 申请退款金额: '0.00', 费率备注: '',
};
const line = (o: Record<string, string> = {}) => BILL_COLUMNS.map((c) => ({ ...base, ...o })[c] ?? '');
const refund = (o: Record<string, string> = {}) => line({ 交易状态: 'REFUND', 应结订单金额: '0.00', 订单金额: '0.00', 微信退款单号: '50300000012026112500000000001', 商户退款单号: 're_1', 退款金额: '10.00', 申请退款金额: '10.00', 退款类型: 'ORIGINAL', 退款状态: 'SUCCESS', 手续费: '-0.06', ...o });
const code = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof BillError ? `${err.code}: ${err.message}` : String(err);
  }
  return 'no error';
};

describe('WeChat Pay bill lines', () => {
  it('yuan → fen by string arithmetic, times at GMT+8, real dates only', () => {
    expect([yuanToFen('88.88'), yuanToFen('0.10'), yuanToFen('-0.05'), yuanToFen('-0.00'), yuanToFen('21474836.47')]).toEqual([8888, 10, -5, 0, 2147483647]);
    for (const bad of ['88.8', '88', '1e3', ' 1.00', '1.000', '+1.00', '', '0x1.00', 'NaN']) expect(yuanToFen(bad)).toBeUndefined();
    expect(beijingTime('2026-11-25 20:00:00')).toBe(Date.parse('2026-11-25T12:00:00Z'));
    for (const bad of ['2026-02-30 10:00:00', '2026-13-01 00:00:00', '2026-11-25 24:00:00', '2026-11-25T20:00:00', '2026-11-25 20:00']) expect(beijingTime(bad)).toBeUndefined();
  });

  it('maps payments, revoked payments and refunds by table', () => {
    expect(billRow(line(), 2)).toEqual({
      line: 2, kind: 'payment', reference: 'att_1', providerTransactionId: '4200000001202611250000000001', refundReference: null, providerRefundId: null,
      status: 'succeeded', amount: 8888, currency: 'CNY', fee: 53, occurredAt: Date.parse('2026-11-25T12:00:00Z'),
    });
    expect(billRow(line({ 交易状态: 'REVOKED' }), 3).status).toBe('closed');
    expect(billRow(refund(), 4)).toMatchObject({ kind: 'refund', refundReference: 're_1', providerRefundId: '50300000012026112500000000001', amount: 1000, fee: -6, status: 'succeeded' });
    expect(['PROCESSING', 'ABNORMAL', 'CLOSED', 'CHANGE', 'REFUNDCLOSE'].map((st) => billRow(refund({ 退款状态: st }), 5).status)).toEqual(['pending', 'pending', 'closed', 'pending', 'closed']);
  });

  it('junk keys in the status tables are invalid lines naming the value, never a prototype member', () => {
    for (const junk of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'success', 'NOTPAY', 'CLOSED', '']) {
      expect(code(() => billRow(line({ 交易状态: junk }), 7))).toBe(`RECON.BILL_ROW_INVALID: WeChat Pay bill line 7: 交易状态 ${JSON.stringify(junk)} is not one of SUCCESS, REVOKED, REFUND`);
      if (junk !== 'CLOSED') expect(code(() => billRow(refund({ 退款状态: junk }), 8))).toMatch(new RegExp(`^RECON.BILL_ROW_INVALID: .*line 8: 退款状态 ${JSON.stringify(junk).replace(/[_]/g, '.')} is not one of`));
    }
  });

  it('bad cells are invalid lines: amount, zero amount, time, currency', () => {
    expect(code(() => billRow(line({ 应结订单金额: '88.8.8' }), 2))).toMatch(/ROW_INVALID.*应结订单金额 "88.8.8"/);
    expect(code(() => billRow(line({ 应结订单金额: '0.00' }), 2))).toMatch(/ROW_INVALID.*must be positive/);
    expect(code(() => billRow(line({ 交易时间: '2026-13-45 25:61:00' }), 2))).toMatch(/ROW_INVALID.*交易时间/);
    expect(code(() => billRow(line({ 货币种类: 'cny' }), 2))).toMatch(/ROW_INVALID.*货币种类/);
    expect(code(() => billRow(line({ 手续费: '' }), 2))).toMatch(/ROW_INVALID.*手续费/);
  });

  it('the summary is checked column by column against the sums', () => {
    const t = new BillTotals();
    t.add(line(), 2);
    t.add(refund(), 3);
    expect(SUMMARY_COLUMNS).toHaveLength(7);
    expect(t.differences(['2', '88.88', '10.00', '0.00', '0.47', '88.88', '10.00'], 5)).toEqual([]);
    expect(t.differences(['3', '88.89', '10.00', '0.00', '0.47', '88.88', '10.00'], 5)).toEqual(['总交易单数 3 but the bill has 2 lines', '应结订单总金额 88.89 but the lines add up to 88.88']);
    expect(code(() => t.differences(['x', '88.88', '10.00', '0.00', '0.47', '88.88', '10.00'], 5))).toMatch(/ROW_INVALID.*总交易单数/);
  });
});
