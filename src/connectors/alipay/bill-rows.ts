/**
 * One row of Alipay's trade bill (业务明细) and the file's own totals: the column layout,
 * the 业务类型 table, and yuan / GMT+8 text turned into fen and epoch ms by string arithmetic.
 * Wire format: shared/providers/alipay.md "Bill file".
 */
import { BillError, type BillRow, type BillRowKind, type BillRowStatus } from '../bills.js';
import { CURRENCY } from './amount.js';
import { chinaWallTime } from '../bill-time.js';

/** The details file's column row, exactly: a renamed or moved column must stop the run, not shift fields. */
export const DETAIL_COLUMNS = [
  '支付宝交易号', '商户订单号', '业务类型', '商品名称', '创建时间', '完成时间', '门店编号', '门店名称', '操作员', '终端号',
  '对方账户', '订单金额（元）', '商家实收（元）', '支付宝红包（元）', '集分宝（元）', '支付宝优惠（元）', '商家优惠（元）',
  '券核销金额（元）', '券名称', '商家红包消费金额（元）', '卡消费金额（元）', '退款批次号/请求号', '服务费（元）', '分润（元）', '备注',
] as const;

export const SUMMARY_COLUMNS = [
  '门店编号', '门店名称', '交易订单总笔数', '退款订单总笔数', '订单金额（元）', '商家实收（元）', '支付宝优惠（元）',
  '商家优惠（元）', '卡消费金额（元）', '服务费（元）', '分润（元）', '实收净额（元）',
] as const;

const col = (name: (typeof DETAIL_COLUMNS)[number]): number => DETAIL_COLUMNS.indexOf(name);
const C = {
  tradeNo: col('支付宝交易号'), reference: col('商户订单号'), type: col('业务类型'), created: col('创建时间'), finished: col('完成时间'),
  order: col('订单金额（元）'), received: col('商家实收（元）'), discount: col('商家优惠（元）'), refundNo: col('退款批次号/请求号'), fee: col('服务费（元）'),
};

interface BusinessType { kind: BillRowKind; status: BillRowStatus; sign: 1 | -1 }

/**
 * 业务类型 → row kind. Alipay lists only money that moved: 交易 (paid, amounts positive) and
 * 退款 (money returned, amounts negative). A Map, so "constructor" or "__proto__" is unknown too.
 */
export const BUSINESS_TYPES: ReadonlyMap<string, BusinessType> = new Map([
  ['交易', { kind: 'payment', status: 'succeeded', sign: 1 }],
  ['退款', { kind: 'refund', status: 'succeeded', sign: -1 }],
]);

const YUAN = /^(-?)(0|[1-9]\d{0,11})(?:\.(\d{1,2}))?$/;

/** "-12.3" → -1230 fen; null unless it is a plain yuan amount with at most two decimals. */
export function signedFen(text: string): number | null {
  const m = YUAN.exec(text);
  if (!m) return null;
  const fen = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] === '-' ? -fen : fen;
}

/** GMT+8 "yyyy-MM-dd HH:mm:ss" → epoch ms; null unless a real instant (2026-02-30 does not roll over). */
export const gmt8Instant = chinaWallTime;

/** Sums a file states about itself, and the same sums over its rows (all in signed fen as written). */
export interface BillTotals {
  trades: number;
  refunds: number;
  tradeReceived: number;
  tradeDiscount: number;
  refundReceived: number;
  refundDiscount: number;
  order: number;
  fee: number;
}

export const emptyTotals = (): BillTotals => ({ trades: 0, refunds: 0, tradeReceived: 0, tradeDiscount: 0, refundReceived: 0, refundDiscount: 0, order: 0, fee: 0 });

const invalid = (line: number, message: string) => new BillError('RECON.BILL_ROW_INVALID', `Alipay bill line ${line}: ${message}`);

/** Alipay appends a tab to id cells so spreadsheets keep them as text; an empty cell is "not given". */
const idOf = (cell: string): string | null => {
  const id = cell.endsWith('\t') ? cell.slice(0, -1) : cell;
  return id === '' ? null : id;
};

function amountOf(fields: string[], index: number, line: number): number {
  const text = fields[index] ?? '';
  const fen = signedFen(text);
  if (fen === null) throw invalid(line, `${DETAIL_COLUMNS[index]} ${JSON.stringify(text)} is not a yuan amount`);
  return fen;
}

function instantOf(fields: string[], index: number, line: number): number {
  const text = fields[index] ?? '';
  const at = gmt8Instant(text);
  if (at === null) throw invalid(line, `${DETAIL_COLUMNS[index]} ${JSON.stringify(text)} is not a GMT+8 yyyy-MM-dd HH:mm:ss time`);
  return at;
}

/** One details row → a BillRow, its sums added to `totals`; BillError RECON.BILL_ROW_INVALID for anything malformed. */
export function detailRow(fields: string[], line: number, totals: BillTotals): BillRow {
  if (fields.length !== DETAIL_COLUMNS.length) throw invalid(line, `${fields.length} cells, expected ${DETAIL_COLUMNS.length}`);
  const typeText = fields[C.type] ?? '';
  const type = BUSINESS_TYPES.get(typeText);
  if (type === undefined) throw invalid(line, `unknown 业务类型 ${JSON.stringify(typeText)} (known: ${[...BUSINESS_TYPES.keys()].join(', ')})`);
  const order = amountOf(fields, C.order, line);
  const received = amountOf(fields, C.received, line);
  const discount = amountOf(fields, C.discount, line);
  const fee = amountOf(fields, C.fee, line);
  // Direction is in the sign: a 交易 row with a negative amount is as wrong as a 退款 row with a positive one.
  if (order * type.sign <= 0) throw invalid(line, `订单金额 ${fields[C.order]} has the wrong sign for ${typeText}`);
  if (received * type.sign < 0) throw invalid(line, `商家实收 ${fields[C.received]} has the wrong sign for ${typeText}`);
  instantOf(fields, C.created, line);
  const occurredAt = instantOf(fields, C.finished, line);
  const tradeNo = idOf(fields[C.tradeNo] ?? '');
  const reference = idOf(fields[C.reference] ?? '');
  if (tradeNo === null && reference === null) throw invalid(line, 'neither 支付宝交易号 nor 商户订单号 is given');

  if (type.kind === 'payment') {
    totals.trades++;
    totals.tradeReceived += received;
    totals.tradeDiscount += discount;
  } else {
    totals.refunds++;
    totals.refundReceived += received;
    totals.refundDiscount += discount;
  }
  totals.order += order;
  totals.fee += fee;
  const refundReference = type.kind === 'refund' ? idOf(fields[C.refundNo] ?? '') : null;
  // Money that went back without a refund request (no 退款批次号/请求号) was no refund anyone
  // asked for: the paid trade was undone (a cancel after payment). The trade is not paid.
  const undone = type.kind === 'refund' && refundReference === null;
  return {
    line,
    kind: undone ? 'payment' : type.kind,
    reference,
    providerTransactionId: tradeNo,
    refundReference,
    providerRefundId: null,
    status: undone ? 'closed' : type.status,
    amount: Math.abs(order),
    currency: CURRENCY,
    // Alipay writes the service fee as money leaving the merchant (negative); BillRow counts a charge as positive.
    fee: fee === 0 ? 0 : -fee,
    occurredAt,
  };
}

const TRADE_FOOTER = /^#交易合计：(\d+)笔，商家实收共(-?[\d.]+)元，商家优惠共(-?[\d.]+)元$/;
const REFUND_FOOTER = /^#退款合计：(\d+)笔，商家实收退款共(-?[\d.]+)元，商家优惠退款共(-?[\d.]+)元$/;

export interface FooterTotals { count: number; received: number; discount: number }

function footerOf(re: RegExp, text: string, line: number): FooterTotals | undefined {
  const m = re.exec(text);
  if (!m) return undefined;
  const received = signedFen(m[2] ?? '');
  const discount = signedFen(m[3] ?? '');
  if (received === null || discount === null) throw new BillError('RECON.BILL_TOTALS_MISMATCH', `Alipay bill line ${line}: footer amounts in ${JSON.stringify(text)} are not yuan`);
  return { count: Number(m[1]), received, discount };
}

export const tradeFooter = (text: string, line: number) => footerOf(TRADE_FOOTER, text, line);
export const refundFooter = (text: string, line: number) => footerOf(REFUND_FOOTER, text, line);
