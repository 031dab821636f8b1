import type { AlipaySdk } from 'alipay-sdk';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlipaySimulator, type AlipaySimulator } from './index.js';
import { GMT8_DATETIME, precreate, Receiver, sdkFor, waitFor } from './testkit.js';

let sim: AlipaySimulator;
let close: () => Promise<void>;
let sdk: AlipaySdk;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
  let url: string;
  ({ url, sim, close } = await startAlipaySimulator({ port: 0, timeScale: 0.001 }));
  sdk = sdkFor(url, sim.registerApp(), sim.alipayPublicKeyPem);
});

afterAll(async () => {
  await close();
  await receiver.close();
});

const exec = (method: string, bizContent: Record<string, unknown>) => sdk.exec(method, { bizContent }, { validateSign: true });

async function paidTrade(amount: string): Promise<string> {
  const outTradeNo = `R${randomUUID().replace(/-/g, '')}`;
  const pre = await precreate(sdk, { out_trade_no: outTradeNo, total_amount: amount, subject: 'refund test' }, receiver.url);
  expect(pre.code).toBe('10000');
  await sim.pay(outTradeNo, 'success');
  return outTradeNo;
}

describe('alipay simulator refunds', () => {
  it('partial, idempotent replay, over-refund, then full refund closes the trade', async () => {
    const t = await paidTrade('100.00');

    const r1 = await exec('alipay.trade.refund', { out_trade_no: t, refund_amount: '30.00', out_request_no: 'rf1' });
    expect(r1).toMatchObject({ code: '10000', fund_change: 'Y', refund_fee: '30.00', send_back_fee: '30.00', out_trade_no: t });
    expect(r1.gmt_refund_pay).toMatch(GMT8_DATETIME);

    const replay = await exec('alipay.trade.refund', { out_trade_no: t, refund_amount: '30.00', out_request_no: 'rf1' });
    expect(replay).toMatchObject({ code: '10000', fund_change: 'N', refund_fee: '30.00' });
    const conflicting = await exec('alipay.trade.refund', { out_trade_no: t, refund_amount: '31.00', out_request_no: 'rf1' });
    expect(conflicting.code).toBe('40004');

    const over = await exec('alipay.trade.refund', { out_trade_no: t, refund_amount: '70.01', out_request_no: 'rf2' });
    expect(over).toMatchObject({ code: '40004', sub_code: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' });
    // The failed request left nothing behind: the same out_request_no still works for a valid amount.
    const r2 = await exec('alipay.trade.refund', { out_trade_no: t, refund_amount: '20.00', out_request_no: 'rf2' });
    expect(r2).toMatchObject({ fund_change: 'Y', refund_fee: '50.00' });
    expect((await exec('alipay.trade.query', { out_trade_no: t })).trade_status).toBe('TRADE_SUCCESS');

    const rest = await exec('alipay.trade.refund', { out_trade_no: t, refund_amount: '50.00', out_request_no: 'rf3' });
    expect(rest).toMatchObject({ fund_change: 'Y', refund_fee: '100.00' });
    expect((await exec('alipay.trade.query', { out_trade_no: t })).trade_status).toBe('TRADE_CLOSED');

    // Replays still answer after the trade closed; new refunds are refused.
    expect((await exec('alipay.trade.refund', { out_trade_no: t, refund_amount: '30.00', out_request_no: 'rf1' })).fund_change).toBe('N');
    const after = await exec('alipay.trade.refund', { out_trade_no: t, refund_amount: '0.01', out_request_no: 'rf4' });
    expect(after.sub_code).toBe('ACQ.TRADE_STATUS_ERROR');

    const q = await exec('alipay.trade.fastpay.refund.query', { out_trade_no: t, out_request_no: 'rf2' });
    expect(q).toMatchObject({ code: '10000', refund_status: 'REFUND_SUCCESS', refund_amount: '20.00', total_amount: '100.00', out_request_no: 'rf2' });
    const unknown = await exec('alipay.trade.fastpay.refund.query', { out_trade_no: t, out_request_no: 'nope' });
    expect(unknown.code).toBe('10000');
    expect(unknown.refund_status).toBeUndefined();

    // Notifications: partial refunds keep TRADE_SUCCESS with the cumulative refund_fee; the last one closes.
    await waitFor(() => receiver.forTrade(t).filter((n) => n.fields.out_biz_no).length >= 3, 5000, 'refund notifications');
    const refunds = receiver.forTrade(t).filter((n) => n.fields.out_biz_no);
    const byReq = (id: string) => refunds.find((n) => n.fields.out_biz_no === id)?.fields;
    expect(byReq('rf1')).toMatchObject({ trade_status: 'TRADE_SUCCESS', refund_fee: '30.00' });
    expect(byReq('rf2')).toMatchObject({ trade_status: 'TRADE_SUCCESS', refund_fee: '50.00' });
    expect(byReq('rf3')).toMatchObject({ trade_status: 'TRADE_CLOSED', refund_fee: '100.00' });
    expect(byReq('rf3')?.gmt_refund).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
    expect(byReq('rf3')?.gmt_close).toMatch(GMT8_DATETIME);
    for (const n of refunds) expect(sdk.checkNotifySignV2(n.fields)).toBe(true);
    // Exactly one notification per effective refund: replays moved no money and sent nothing.
    expect(refunds).toHaveLength(3);
  });

  it('refuses refunds on unknown or unpaid trades and validates the amount', async () => {
    expect((await exec('alipay.trade.refund', { out_trade_no: 'missing', refund_amount: '1.00' })).sub_code).toBe('ACQ.TRADE_NOT_EXIST');
    const outTradeNo = `R${randomUUID().replace(/-/g, '')}`;
    await exec('alipay.trade.precreate', { out_trade_no: outTradeNo, total_amount: '5.00', subject: 's' });
    expect((await exec('alipay.trade.refund', { out_trade_no: outTradeNo, refund_amount: '1.00' })).sub_code).toBe('ACQ.TRADE_NOT_EXIST');
    await sim.scan(outTradeNo);
    expect((await exec('alipay.trade.refund', { out_trade_no: outTradeNo, refund_amount: '1.00' })).sub_code).toBe('ACQ.TRADE_STATUS_ERROR');
    const t = await paidTrade('5.00');
    expect((await exec('alipay.trade.refund', { out_trade_no: t, refund_amount: '1.234' })).sub_code).toBe('ACQ.INVALID_PARAMETER');
    expect((await exec('alipay.trade.refund', { out_trade_no: t })).sub_code).toBe('ACQ.INVALID_PARAMETER');
  });
});
