/**
 * The two CSV files of an Alipay trade bill as lines of text, produced one at a time from
 * the bill's entries, with the text-level BillControls faults (a renamed column, a bad
 * amount or date, a summary that disagrees) applied on the way out.
 */
import type { BillFault } from '../common/bill-controls.js';
import type { BillEntry } from './bill-entries.js';
import { formatCst, formatCstChinese, formatYuan } from './format.js';

export const DETAIL_COLUMNS = [
  '支付宝交易号', '商户订单号', '业务类型', '商品名称', '创建时间', '完成时间', '门店编号', '门店名称', '操作员', '终端号',
  '对方账户', '订单金额（元）', '商家实收（元）', '支付宝红包（元）', '集分宝（元）', '支付宝优惠（元）', '商家优惠（元）',
  '券核销金额（元）', '券名称', '商家红包消费金额（元）', '卡消费金额（元）', '退款批次号/请求号', '服务费（元）', '分润（元）', '备注',
] as const;

const SUMMARY_COLUMNS = [
  '门店编号', '门店名称', '交易订单总笔数', '退款订单总笔数', '订单金额（元）', '商家实收（元）', '支付宝优惠（元）',
  '商家优惠（元）', '卡消费金额（元）', '服务费（元）', '分润（元）', '实收净额（元）',
] as const;

const ZERO = '0.00';
const RULER = '-';

export interface BillMeta {
  /** The bill account: the seller's PID with Alipay's "0156" suffix. */
  account: string;
  from: number;
  to: number;
  now: number;
}

export interface BillTotals { trades: number; tradeFen: number; refunds: number; refundFen: number; feeFen: number }

/** The footer and summary sums: a first pass over the entries, so that nothing has to be kept while writing. */
export function totalsOf(entries: Iterable<BillEntry>): BillTotals {
  const t: BillTotals = { trades: 0, tradeFen: 0, refunds: 0, refundFen: 0, feeFen: 0 };
  for (const e of entries) {
    if (e.type === '交易') { t.trades++; t.tradeFen += e.fen; } else { t.refunds++; t.refundFen += e.fen; }
    t.feeFen += e.feeFen;
  }
  return t;
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Alipay appends a tab to id cells so that spreadsheet programs keep them as text. */
const idCell = (value: string): string => `${value}\t`;

const fee = (fen: number): string => (fen === 0 ? ZERO : formatYuan(-fen));

function detailCells(e: BillEntry): string[] {
  const amount = formatYuan(e.type === '交易' ? e.fen : -e.fen);
  return [
    idCell(e.tradeNo), idCell(e.outTradeNo), e.type, e.subject, formatCst(e.createdAt), formatCst(e.finishedAt), '', '', '', '',
    e.buyer, amount, amount, ZERO, ZERO, ZERO, ZERO, ZERO, '', ZERO, ZERO, e.refundNo === '' ? '' : idCell(e.refundNo), fee(e.feeFen), ZERO, e.remark,
  ];
}

/** Both files open alike: title, account, period, the list's ruler and its column names. */
function head(title: string, meta: BillMeta, columns: readonly string[]): string[] {
  return [
    `#支付宝${title}查询`, `#账号：[${meta.account}]`,
    `#起始日期：[${formatCstChinese(meta.from)}]   终止日期：[${formatCstChinese(meta.to)}]`,
    `#${RULER.repeat(41)}${title}列表${RULER.repeat(40)}`, columns.join(','),
  ];
}

export function* detailLines(entries: Iterable<BillEntry>, meta: BillMeta, totals: BillTotals, fault: BillFault | undefined): Generator<string> {
  const columns = fault === 'header_changed' ? DETAIL_COLUMNS.map((c) => (c === '商户订单号' ? '商家订单号' : c)) : DETAIL_COLUMNS;
  yield* head('业务明细', meta, columns);
  let first = true;
  for (const e of entries) {
    const cells = detailCells(e);
    if (first && fault === 'bad_amount') cells[11] = `${cells[11]}元`;
    if (first && fault === 'bad_date') cells[5] = '2026-02-30 25:00:00';
    first = false;
    yield cells.map(csvCell).join(',');
  }
  yield `#${RULER.repeat(41)}业务明细列表结束${RULER.repeat(36)}`;
  yield `#交易合计：${totals.trades}笔，商家实收共${formatYuan(totals.tradeFen)}元，商家优惠共0.00元`;
  yield `#退款合计：${totals.refunds}笔，商家实收退款共${formatYuan(-totals.refundFen)}元，商家优惠退款共0.00元`;
  yield `#导出时间：[${formatCstChinese(meta.now)}]`;
}

export function* summaryLines(meta: BillMeta, totals: BillTotals, fault: BillFault | undefined): Generator<string> {
  // "totals": the summary is one fen off the rows, as a bill assembled from two inconsistent sources would be.
  const net = totals.tradeFen - totals.refundFen + (fault === 'totals' ? 1 : 0);
  yield* head('业务汇总', meta, SUMMARY_COLUMNS);
  yield ['合计', '', String(totals.trades), String(totals.refunds), formatYuan(net), formatYuan(net), ZERO, ZERO, ZERO,
    fee(totals.feeFen), ZERO, formatYuan(net - totals.feeFen)].join(',');
  yield `#${RULER.repeat(40)}业务汇总列表结束${RULER.repeat(37)}`;
  yield `#导出时间：[${formatCstChinese(meta.now)}]`;
}
