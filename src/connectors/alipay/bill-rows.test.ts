/**
 * The pieces of one Alipay bill row: the 业务类型 table (junk keys are unknown, never a
 * default), yuan text to fen by string arithmetic, GMT+8 times, the fee's sign; and the
 * file-level failures the simulator cannot be asked for (a details file without footer, a
 * download that is not a zip at all).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { BillError } from '../bills.js';
import { readAlipayBill } from './bill-file.js';
import { BUSINESS_TYPES, DETAIL_COLUMNS, detailRow, emptyTotals, gmt8Instant, signedFen } from './bill-rows.js';

const row = (over: Partial<Record<(typeof DETAIL_COLUMNS)[number], string>> = {}): string[] =>
  DETAIL_COLUMNS.map((c) => over[c] ?? ({
    支付宝交易号: '2026120122001400000001\t', 商户订单号: 'pay_1\t', 业务类型: '交易', 创建时间: '2026-12-01 09:59:58', 完成时间: '2026-12-01 10:00:00',
    '订单金额（元）': '12.34', '商家实收（元）': '12.34', '商家优惠（元）': '0.00', '服务费（元）': '-0.07',
  } as Record<string, string>)[c] ?? '');

const code = (f: () => unknown): string | undefined => {
  try { f(); } catch (e) { return e instanceof BillError ? `${e.code}: ${e.message}` : String(e); }
  return undefined;
};

describe('业务类型 table', () => {
  it('maps 交易 and 退款 and nothing else', () => {
    expect([...BUSINESS_TYPES.keys()]).toEqual(['交易', '退款']);
    for (const junk of ['冻结', '', ' 交易', '交易 ', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'TRADE_SUCCESS']) {
      expect(code(() => detailRow(row({ 业务类型: junk }), 9, emptyTotals()))).toBe(`RECON.BILL_ROW_INVALID: Alipay bill line 9: unknown 业务类型 ${JSON.stringify(junk)} (known: 交易, 退款)`);
    }
  });

  it('a 交易 row: ids without their tab, yuan to fen, the fee as a positive charge, GMT+8 time', () => {
    const totals = emptyTotals();
    expect(detailRow(row(), 6, totals)).toEqual({
      line: 6, kind: 'payment', reference: 'pay_1', providerTransactionId: '2026120122001400000001', refundReference: null, providerRefundId: null,
      status: 'succeeded', amount: 1234, currency: 'CNY', fee: 7, occurredAt: Date.UTC(2026, 11, 1, 2, 0, 0),
    });
    expect(totals).toMatchObject({ trades: 1, tradeReceived: 1234, order: 1234, fee: -7 });
  });

  it('a 退款 row: negative amounts, the refund request number, returned fee as negative', () => {
    const r = detailRow(row({ 业务类型: '退款', '订单金额（元）': '-2.00', '商家实收（元）': '-2.00', '退款批次号/请求号': 'rf_1\t', '服务费（元）': '0.01' }), 7, emptyTotals());
    expect(r).toMatchObject({ kind: 'refund', amount: 200, refundReference: 'rf_1', fee: -1 });
  });

  it('refuses wrong signs, bad amounts and dates, and short rows', () => {
    expect(code(() => detailRow(row({ '订单金额（元）': '-12.34' }), 1, emptyTotals()))).toMatch(/^RECON.BILL_ROW_INVALID: .*wrong sign/);
    expect(code(() => detailRow(row({ 业务类型: '退款' }), 1, emptyTotals()))).toMatch(/^RECON.BILL_ROW_INVALID: .*wrong sign/);
    expect(code(() => detailRow(row({ '订单金额（元）': '0.00' }), 1, emptyTotals()))).toMatch(/^RECON.BILL_ROW_INVALID/);
    expect(code(() => detailRow(row({ '订单金额（元）': '12.345' }), 1, emptyTotals()))).toMatch(/^RECON.BILL_ROW_INVALID: .*订单金额/);
    expect(code(() => detailRow(row({ 完成时间: '2026-02-30 10:00:00' }), 1, emptyTotals()))).toMatch(/^RECON.BILL_ROW_INVALID: .*完成时间/);
    expect(code(() => detailRow(row().slice(0, 24), 1, emptyTotals()))).toMatch(/^RECON.BILL_ROW_INVALID: .*24 cells/);
  });

  it('signedFen and gmt8Instant are exact', () => {
    expect([signedFen('0.01'), signedFen('12.3'), signedFen('-6.60'), signedFen('100000000.00'), signedFen('7')]).toEqual([1, 1230, -660, 10_000_000_000, 700]);
    for (const bad of ['', '1.234', '01.00', '1e3', '+1.00', '1,000.00', ' 1.00', 'NaN']) expect(signedFen(bad)).toBeNull();
    expect(gmt8Instant('2026-01-01 00:00:00')).toBe(Date.UTC(2025, 11, 31, 16));
    for (const bad of ['2026-1-01 00:00:00', '2026-01-01T00:00:00', '2026-01-01 24:00:00', '2026-02-29 00:00:00']) expect(gmt8Instant(bad)).toBeNull();
  });
});

describe('bill files the simulator does not serve', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'alipay-bill-file-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  async function zipOf(files: Record<string, string>): Promise<string> {
    const zip = new yazl.ZipFile();
    for (const [name, text] of Object.entries(files)) zip.addBuffer(iconv.encode(text, 'gbk'), name);
    zip.end();
    const chunks: Buffer[] = [];
    for await (const c of zip.outputStream) chunks.push(c as Buffer);
    const file = path.join(dir, `${Object.keys(files).length}-${Math.random()}.zip`);
    await writeFile(file, Buffer.concat(chunks));
    return file;
  }

  const failure = async (file: string) => {
    try { for await (const _ of readAlipayBill(file)) { /* drain */ } } catch (e) { return e instanceof BillError ? e.code : String(e); }
    return 'no error';
  };

  const head = `#支付宝业务明细查询\r\n#账号：[20880000000000000156]\r\n#-----业务明细列表-----\r\n${DETAIL_COLUMNS.join(',')}\r\n`;
  const summary = '#支付宝业务汇总查询\r\n门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,支付宝优惠（元）,商家优惠（元）,卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）\r\n'
    + '合计,,1,0,12.34,12.34,0.00,0.00,0.00,-0.07,0.00,12.27\r\n#----业务汇总列表结束----\r\n';
  const footer = '#-----业务明细列表结束-----\r\n#交易合计：1笔，商家实收共12.34元，商家优惠共0.00元\r\n#退款合计：0笔，商家实收退款共0.00元，商家优惠退款共0.00元\r\n';

  it('a complete hand-made bill reads', async () => {
    const file = await zipOf({ 'x_20261201_业务明细.csv': head + row().join(',') + '\r\n' + footer, 'x_20261201_业务明细(汇总).csv': summary });
    const rows = [];
    for await (const r of readAlipayBill(file)) rows.push(r);
    expect(rows).toMatchObject([{ reference: 'pay_1', amount: 1234, fee: 7, line: 5 }]);
  });

  it('details without footer, a missing summary, or bytes that are not a zip: RECON.BILL_TRUNCATED', async () => {
    expect(await failure(await zipOf({ 'x_业务明细.csv': head + row().join(',') + '\r\n', 'x_业务明细(汇总).csv': summary }))).toBe('RECON.BILL_TRUNCATED');
    expect(await failure(await zipOf({ 'x_业务明细.csv': head + row().join(',') + '\r\n' + footer }))).toBe('RECON.BILL_TRUNCATED');
    const junk = path.join(dir, 'junk.zip');
    await writeFile(junk, '<html>502 Bad Gateway</html>');
    expect(await failure(junk)).toBe('RECON.BILL_TRUNCATED');
  });

  it('a footer that disagrees with the rows: RECON.BILL_TOTALS_MISMATCH', async () => {
    const file = await zipOf({ 'x_业务明细.csv': head + row().join(',') + '\r\n' + footer.replace('共12.34元', '共12.35元'), 'x_业务明细(汇总).csv': summary });
    expect(await failure(file)).toBe('RECON.BILL_TOTALS_MISMATCH');
  });
});
