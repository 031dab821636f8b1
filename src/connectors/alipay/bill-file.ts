/**
 * Alipay's trade bill file: a zip of two GBK CSV files, the details (…_业务明细.csv) and the
 * summary (…_业务明细(汇总).csv). Rows are yielded as the details stream in; the footer and
 * the summary's 合计 row are checked against the rows' sums before the iterator ends, so a
 * consumer that reaches the end has seen a complete and consistent bill.
 */
import { BillError, type BillRow } from '../bills.js';
import { csvRecords, zipEntries, type CsvRecord } from './bill-stream.js';
import {
  DETAIL_COLUMNS, SUMMARY_COLUMNS, detailRow, emptyTotals, refundFooter, signedFen, tradeFooter,
  type BillTotals, type FooterTotals,
} from './bill-rows.js';

const CHARSET = 'gbk';
const DETAILS = /_业务明细\.csv$/;
const SUMMARY = /_业务明细\(汇总\)\.csv$/;
const DETAIL_HEADER = DETAIL_COLUMNS.join(',');
const SUMMARY_HEADER = SUMMARY_COLUMNS.join(',');

const mismatch = (message: string) => new BillError('RECON.BILL_TOTALS_MISMATCH', `Alipay bill: ${message}`);
const truncated = (message: string) => new BillError('RECON.BILL_TRUNCATED', `Alipay bill: ${message}`);

/**
 * The records of one file with the "#" preamble checked: the first line is Alipay's title
 * (GBK text read as GBK; anything else, e.g. UTF-8, garbles it), then "#" lines up to the
 * column row, which must be exactly `header`. Yields the records after the column row.
 */
async function* body(records: AsyncGenerator<CsvRecord[]>, file: string, title: string, header: string): AsyncGenerator<CsvRecord[]> {
  let first = true;
  let inHead = true;
  for await (const batch of records) {
    let from = 0;
    for (const r of batch) {
      // iconv-lite turns byte sequences that are not GBK into U+FFFD.
      if (r.text.includes('\uFFFD')) throw new BillError('RECON.BILL_ENCODING', `Alipay bill ${file} line ${r.line}: bytes that are not GBK`);
      if (!inHead) continue;
      from++;
      if (first) {
        if (!r.text.startsWith(title)) throw new BillError('RECON.BILL_ENCODING', `Alipay bill ${file}: first line ${JSON.stringify(r.text.slice(0, 40))} is not ${title} read as GBK`);
        first = false;
      } else if (!r.text.startsWith('#')) {
        if (r.text !== header) throw new BillError('RECON.BILL_HEADER_CHANGED', `Alipay bill ${file} line ${r.line}: columns are ${JSON.stringify(r.text)}, expected ${JSON.stringify(header)}`);
        inHead = false;
      }
    }
    if (from < batch.length) yield from === 0 ? batch : batch.slice(from);
  }
  if (first) throw truncated(`${file} is empty`);
  if (inHead) throw truncated(`${file} ends before its column row`);
}

function checkFooter(name: string, footer: FooterTotals | undefined, count: number, received: number, discount: number): void {
  if (footer === undefined) throw truncated(`the details have no #${name}合计 footer line (file cut short?)`);
  if (footer.count !== count || footer.received !== received || footer.discount !== discount) {
    throw mismatch(`#${name}合计 says ${footer.count} rows, ${footer.received} fen received, ${footer.discount} fen discount; the rows add up to ${count}, ${received}, ${discount}`);
  }
}

async function* detailRows(records: AsyncGenerator<CsvRecord[]>, file: string, totals: BillTotals): AsyncGenerator<BillRow> {
  let trades: FooterTotals | undefined;
  let refunds: FooterTotals | undefined;
  let inFooter = false;
  for await (const batch of body(records, file, '#支付宝业务明细查询', DETAIL_HEADER)) {
    for (const { fields, text, line } of batch) {
      if (text.startsWith('#')) {
        inFooter = true;
        trades = tradeFooter(text, line) ?? trades;
        refunds = refundFooter(text, line) ?? refunds;
        continue;
      }
      if (inFooter) throw new BillError('RECON.BILL_ROW_INVALID', `Alipay bill ${file} line ${line}: a row after the footer`);
      yield detailRow(fields, line, totals);
    }
  }
  checkFooter('交易', trades, totals.trades, totals.tradeReceived, totals.tradeDiscount);
  checkFooter('退款', refunds, totals.refunds, totals.refundReceived, totals.refundDiscount);
}

/** The summary's 合计 row, as signed fen / counts by column name. */
type SummaryTotal = Record<(typeof SUMMARY_COLUMNS)[number], number>;

async function summaryTotal(records: AsyncGenerator<CsvRecord[]>, file: string): Promise<SummaryTotal> {
  let total: SummaryTotal | undefined;
  let ended = false;
  for await (const batch of body(records, file, '#支付宝业务汇总查询', SUMMARY_HEADER)) for (const { fields, text, line } of batch) {
    if (text.includes('业务汇总列表结束')) ended = true;
    if (fields[0] !== '合计') continue;
    if (fields.length !== SUMMARY_COLUMNS.length) throw mismatch(`${file} line ${line}: 合计 has ${fields.length} cells, expected ${SUMMARY_COLUMNS.length}`);
    const values = SUMMARY_COLUMNS.map((name, i) => {
      if (i < 2) return 0;
      const cell = fields[i] ?? '';
      const n = i < 4 ? (/^\d+$/.test(cell) ? Number(cell) : null) : signedFen(cell);
      if (n === null) throw mismatch(`${file} line ${line}: ${name} ${JSON.stringify(cell)} is not a number`);
      return n;
    });
    total = Object.fromEntries(SUMMARY_COLUMNS.map((name, i) => [name, values[i]])) as SummaryTotal;
  }
  if (!ended) throw truncated(`${file} has no 业务汇总列表结束 line (file cut short?)`);
  if (total === undefined) throw truncated(`${file} has no 合计 row`);
  return total;
}

function checkSummary(s: SummaryTotal, t: BillTotals): void {
  const received = t.tradeReceived + t.refundReceived;
  const expected: Array<[keyof SummaryTotal, number]> = [
    ['交易订单总笔数', t.trades], ['退款订单总笔数', t.refunds], ['订单金额（元）', t.order], ['商家实收（元）', received],
    ['商家优惠（元）', t.tradeDiscount + t.refundDiscount], ['服务费（元）', t.fee], ['实收净额（元）', received + t.fee],
  ];
  for (const [name, rows] of expected) {
    if (s[name] !== rows) throw mismatch(`the summary's 合计 ${name} is ${s[name]}, the details add up to ${rows}`);
  }
}

/** Every row of the bill zip at `path`, in file order, the file's totals checked at the end. */
export async function* readAlipayBill(path: string): AsyncGenerator<BillRow> {
  const totals = emptyTotals();
  let details = false;
  let summary: SummaryTotal | undefined;
  for await (const entry of zipEntries(path, CHARSET)) {
    if (DETAILS.test(entry.name)) {
      if (details) throw new BillError('RECON.BILL_ROW_INVALID', `Alipay bill: a second details file ${entry.name}`);
      details = true;
      yield* detailRows(csvRecords(await entry.open(), CHARSET, entry.name), entry.name, totals);
    } else if (SUMMARY.test(entry.name)) {
      summary = await summaryTotal(csvRecords(await entry.open(), CHARSET, entry.name), entry.name);
    }
    // Any other entry is not part of the trade bill: lazyEntries skips it unread.
  }
  if (!details) throw truncated('the zip holds no …_业务明细.csv');
  if (summary === undefined) throw truncated('the zip holds no …_业务明细(汇总).csv');
  checkSummary(summary, totals);
}
