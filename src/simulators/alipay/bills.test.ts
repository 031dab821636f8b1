import type { AlipaySdk } from 'alipay-sdk';
import iconv from 'iconv-lite';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlipaySimulator, type AlipaySimulator } from './index.js';
import { sdkFor, unzip } from './testkit.js';

let url: string;
let sim: AlipaySimulator;
let close: () => Promise<void>;
let sdk: AlipaySdk;

beforeAll(async () => {
  ({ url, sim, close } = await startAlipaySimulator({ port: 0, timeScale: 0.001 }));
  sdk = sdkFor(url, sim.registerApp(), sim.alipayPublicKeyPem);
});

afterAll(async () => {
  await close();
});

const exec = (method: string, bizContent: Record<string, unknown>) => sdk.exec(method, { bizContent }, { validateSign: true });
const todayGmt8 = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

describe('alipay simulator bills', () => {
  it('serves a zip of two GBK CSV files with the paid trade and its refund', async () => {
    const outTradeNo = `B${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    await exec('alipay.trade.precreate', { out_trade_no: outTradeNo, total_amount: '66.60', subject: '电影票, 2张' });
    const unpaid = `U${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    await exec('alipay.trade.precreate', { out_trade_no: unpaid, total_amount: '1.00', subject: 'unpaid' });
    const paid = await sim.pay(outTradeNo, 'success');
    await exec('alipay.trade.refund', { out_trade_no: outTradeNo, refund_amount: '6.60', out_request_no: 'bill-rf-1' });

    const date = todayGmt8();
    const res = await exec('alipay.data.dataservice.bill.downloadurl.query', { bill_type: 'trade', bill_date: date });
    expect(res.code).toBe('10000');
    expect(res.bill_download_url).toMatch(new RegExp(`^${url}/sandbox/alipay/_bills/`));

    const download = await fetch(res.bill_download_url as string);
    expect(download.status).toBe(200);
    const files = unzip(Buffer.from(await download.arrayBuffer()));
    const compact = date.replace(/-/g, '');
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.utf8Flag)).toBe(true);
    const names = files.map((f) => f.name);
    expect(names.filter((n) => new RegExp(`^2088\\d{12}0156_${compact}_业务明细\\.csv$`).test(n))).toHaveLength(1);
    expect(names.filter((n) => new RegExp(`^2088\\d{12}0156_${compact}_业务明细\\(汇总\\)\\.csv$`).test(n))).toHaveLength(1);

    const detailFile = files.find((f) => f.name.endsWith('_业务明细.csv'));
    const raw = detailFile?.data as Buffer;
    // GBK, not UTF-8: "支" is D6 A7 in GBK.
    expect(raw.includes(Buffer.from([0xd6, 0xa7]))).toBe(true);
    expect(raw.includes(Buffer.from('支付宝', 'utf8'))).toBe(false);
    const lines = iconv.decode(raw, 'gbk').split('\r\n');
    expect(lines[0]).toBe('#支付宝业务明细查询');
    expect(lines[1]).toMatch(/^#账号：\[2088\d{12}0156\]$/);
    expect(lines[2]).toMatch(/^#起始日期：\[\d{4}年\d{2}月\d{2}日 00:00:00\] {3}终止日期：\[\d{4}年\d{2}月\d{2}日 00:00:00\]$/);
    expect(lines[3]).toBe(`#${'-'.repeat(41)}业务明细列表${'-'.repeat(40)}`);
    const header = lines[4]?.split(',');
    expect(header).toHaveLength(25);
    expect(header?.slice(0, 3)).toEqual(['支付宝交易号', '商户订单号', '业务类型']);
    expect(header?.[11]).toBe('订单金额（元）');
    expect(header?.[21]).toBe('退款批次号/请求号');

    const tradeRow = lines.find((l) => l.startsWith(`${paid.trade_no}\t,`) && l.includes(',交易,'));
    expect(tradeRow).toBeDefined();
    expect(tradeRow).toContain(`${outTradeNo}\t,交易,"电影票, 2张",`);
    expect(tradeRow).toContain(',66.60,66.60,');
    const refundRow = lines.find((l) => l.includes(',退款,'));
    expect(refundRow).toContain(',-6.60,-6.60,');
    expect(refundRow).toContain(',bill-rf-1\t,');
    expect(lines.some((l) => l.includes(unpaid))).toBe(false);

    expect(lines).toContain('#交易合计：1笔，商家实收共66.60元，商家优惠共0.00元');
    expect(lines).toContain('#退款合计：1笔，商家实收退款共-6.60元，商家优惠退款共0.00元');
    expect(lines.some((l) => /^#导出时间：\[\d{4}年\d{2}月\d{2}日 \d{2}:\d{2}:\d{2}\]$/.test(l))).toBe(true);

    const summary = iconv.decode(files.find((f) => f.name.includes('(汇总)'))?.data as Buffer, 'gbk').split('\r\n');
    expect(summary[0]).toBe('#支付宝业务汇总查询');
    expect(summary.find((l) => l.startsWith('合计,'))).toBe('合计,,1,1,60.00,60.00,0.00,0.00,0.00,0.00,0.00,60.00');
  });

  it('rejects bad bill requests and unknown download tokens', async () => {
    expect((await exec('alipay.data.dataservice.bill.downloadurl.query', { bill_type: 'trade', bill_date: '2099-01-01' })).sub_code)
      .toBe('isp.bill_not_exist');
    expect((await exec('alipay.data.dataservice.bill.downloadurl.query', { bill_type: 'trade', bill_date: '2024-13-01' })).code)
      .toBe('40004');
    expect((await exec('alipay.data.dataservice.bill.downloadurl.query', { bill_type: 'signcustomer', bill_date: '2024-01-01' })).code)
      .toBe('40004');
    expect((await fetch(`${url}/sandbox/alipay/_bills/unknown`)).status).toBe(404);
  });

  it('writes BillControls into the bytes: a fee as a negative 服务费 (summed in the summary), a renamed column, UTF-8 text', async () => {
    const outTradeNo = `F${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    await exec('alipay.trade.precreate', { out_trade_no: outTradeNo, total_amount: '10.00', subject: 'fee' });
    await sim.pay(outTradeNo, 'success');
    const appId = (sdk.config as { appId: string }).appId;
    const date = todayGmt8();
    sim.billControls.addDiscrepancy(appId, date, { kind: 'fee', reference: outTradeNo, fee: 6 });
    const download = async () => {
      const res = await exec('alipay.data.dataservice.bill.downloadurl.query', { bill_type: 'trade', bill_date: date });
      return unzip(Buffer.from(await (await fetch(res.bill_download_url as string)).arrayBuffer()));
    };
    const gbk = await download();
    const detail = iconv.decode(gbk.find((f) => f.name.endsWith('_业务明细.csv'))!.data, 'gbk').split('\r\n');
    expect(detail.find((l) => l.includes(outTradeNo))?.split(',')[22]).toBe('-0.06');
    const summary = iconv.decode(gbk.find((f) => f.name.includes('(汇总)'))!.data, 'gbk').split('\r\n');
    expect(summary.find((l) => l.startsWith('合计,'))).toMatch(/,-0\.06,0\.00,[\d.]+$/);

    sim.billControls.setFault(appId, date, 'header_changed');
    expect(iconv.decode((await download())[0]!.data, 'gbk').split('\r\n')[4]).toContain(',商家订单号,');
    sim.billControls.setFault(appId, date, 'encoding');
    expect((await download())[0]!.data.toString('utf8').startsWith('#支付宝业务明细查询\r\n')).toBe(true);
  });
});
