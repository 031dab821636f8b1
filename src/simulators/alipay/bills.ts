// The trade bill ("业务明细") as Alipay serves it: a zip holding two GBK-encoded CSV files.
import type { FastifyInstance } from 'fastify';
import iconv from 'iconv-lite';
import yazl from 'yazl';
import type { SimContext } from './context.js';
import { DAY_MS, formatCst, formatCstChinese, formatYuan, parseCstDate } from './format.js';
import type { AppRow, Store } from './store.js';

/** bill_download_url lifetime (Alipay: 30 s). */
export const BILL_URL_TTL_MS = 30_000;


export const DETAIL_COLUMNS = [
  '支付宝交易号', '商户订单号', '业务类型', '商品名称', '创建时间', '完成时间', '门店编号', '门店名称', '操作员', '终端号',
  '对方账户', '订单金额（元）', '商家实收（元）', '支付宝红包（元）', '集分宝（元）', '支付宝优惠（元）', '商家优惠（元）',
  '券核销金额（元）', '券名称', '商家红包消费金额（元）', '卡消费金额（元）', '退款批次号/请求号', '服务费（元）', '分润（元）', '备注',
] as const;

const SUMMARY_COLUMNS = [
  '门店编号', '门店名称', '交易订单总笔数', '退款订单总笔数', '订单金额（元）', '商家实收（元）', '支付宝优惠（元）',
  '商家优惠（元）', '卡消费金额（元）', '服务费（元）', '分润（元）', '实收净额（元）',
] as const;

const DASHES_41 = '-'.repeat(41);
const EOL = '\r\n';
const ZERO = '0.00';

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Alipay appends a tab to id cells so that spreadsheet programs keep them as text. */
const idCell = (value: string): string => `${value}\t`;

export interface BillFiles {
  zipName: string;
  files: Array<{ name: string; text: string }>;
}

/** Builds the text of both CSV files for one app and one GMT+8 day. */
export function buildBillFiles(store: Store, app: AppRow, date: string, now: number): BillFiles {
  const from = parseCstDate(date);
  if (from === null) throw new Error(`bad bill date ${date}`);
  const to = from + DAY_MS;
  const account = `${app.seller_id}0156`;
  const compactDate = date.replace(/-/g, '');
  const period = `#起始日期：[${formatCstChinese(from)}]   终止日期：[${formatCstChinese(to)}]`;
  const exported = `#导出时间：[${formatCstChinese(now)}]`;

  const rows: string[][] = [];
  let paidCount = 0;
  let paidFen = 0;
  for (const t of store.listTradesPaidBetween(app.app_id, from, to)) {
    paidCount++;
    paidFen += t.total_fen;
    const amount = formatYuan(t.total_fen);
    rows.push([
      idCell(t.trade_no ?? ''), idCell(t.out_trade_no), '交易', t.subject, formatCst(t.scanned_at ?? t.created_at),
      formatCst(t.paid_at ?? t.created_at), '', '', '', '', t.buyer_logon_id ?? '', amount, amount, ZERO, ZERO, ZERO, ZERO,
      ZERO, '', ZERO, ZERO, '', ZERO, ZERO, t.body ?? '',
    ]);
  }
  let refundCount = 0;
  let refundFen = 0;
  for (const r of store.listRefundsBetween(app.app_id, from, to)) {
    refundCount++;
    refundFen += r.amount_fen;
    const amount = formatYuan(-r.amount_fen);
    const t = r.trade;
    rows.push([
      idCell(t.trade_no ?? ''), idCell(t.out_trade_no), '退款', t.subject, formatCst(t.scanned_at ?? t.created_at),
      formatCst(r.created_at), '', '', '', '', t.buyer_logon_id ?? '', amount, amount, ZERO, ZERO, ZERO, ZERO,
      ZERO, '', ZERO, ZERO, idCell(r.out_request_no), ZERO, ZERO, r.reason ?? '',
    ]);
  }

  // Both files open alike: title, account, period, the list's ruler and its column names.
  const head = (title: string, columns: readonly string[]) =>
    [`#支付宝${title}查询`, `#账号：[${account}]`, period, `#${DASHES_41}${title}列表${'-'.repeat(40)}`, columns.join(',')];
  const detail = [
    ...head('业务明细', DETAIL_COLUMNS),
    ...rows.map((r) => r.map(csvCell).join(',')),
    `#${DASHES_41}业务明细列表结束${'-'.repeat(36)}`,
    `#交易合计：${paidCount}笔，商家实收共${formatYuan(paidFen)}元，商家优惠共0.00元`,
    `#退款合计：${refundCount}笔，商家实收退款共${formatYuan(-refundFen)}元，商家优惠退款共0.00元`,
    exported,
  ];
  const net = formatYuan(paidFen - refundFen);
  const summary = [
    ...head('业务汇总', SUMMARY_COLUMNS),
    ['合计', '', String(paidCount), String(refundCount), net, net, ZERO, ZERO, ZERO, ZERO, ZERO, net].join(','),
    `#${'-'.repeat(40)}业务汇总列表结束${'-'.repeat(37)}`,
    exported,
  ];
  const base = `${account}_${compactDate}`;
  return {
    zipName: `${base}.csv.zip`,
    files: [
      { name: `${base}_业务明细.csv`, text: detail.join(EOL) + EOL },
      { name: `${base}_业务明细(汇总).csv`, text: summary.join(EOL) + EOL },
    ],
  };
}

export async function zipBillFiles(bill: BillFiles, now: number): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  // yazl writes UTF-8 entry names (with the UTF-8 flag set); real Alipay zips use GBK names.
  for (const f of bill.files) zip.addBuffer(iconv.encode(f.text, 'gbk'), f.name, { mtime: new Date(now) });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function registerBillRoutes(app: FastifyInstance, sim: SimContext): void {
  app.get<{ Params: { token: string } }>('/_bills/:token', async (req, reply) => {
    const grant = sim.bills.resolve(req.params.token, sim.now());
    if (grant === undefined) {
      return reply.code(404).send({ error: { code: 'BILL_NOT_FOUND', message: 'unknown bill download token' } });
    }
    if (grant === 'expired') {
      return reply.code(410).send({
        error: { code: 'BILL_URL_EXPIRED', message: 'bill_download_url is valid for 30 s; query a new one' },
      });
    }
    const appRow = sim.store.getApp(grant.appId);
    if (!appRow) return reply.code(404).send({ error: { code: 'BILL_NOT_FOUND', message: 'app no longer exists' } });
    const bill = buildBillFiles(sim.store, appRow, grant.date, sim.now());
    const zip = await zipBillFiles(bill, sim.now());
    return reply
      .type('application/zip')
      .header('content-disposition', `attachment; filename="${bill.zipName}"`)
      .send(zip);
  });
}
