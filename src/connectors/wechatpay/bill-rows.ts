/**
 * One data line of a WeChat Pay trade bill → a BillRow, and the running sums its summary
 * line is checked against. Cells arrive with their backticks already stripped.
 * Everything is string → integer arithmetic: yuan "12.34" is 1234 fen, never a float.
 */
import { BillError, type BillRow, type BillRowStatus } from '../bills.js';
import { chinaWallTime } from '../bill-time.js';

/**
 * The header lines as shared/providers/wechatpay.md writes them. The simulator keeps its own
 * copy on purpose (simulators never import connectors): if both read one list, a wrong
 * column would pass both sides.
 */
const HEADER_LINE = '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const SUMMARY_LINE = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
export const BILL_COLUMNS: readonly string[] = HEADER_LINE.split(',');
export const SUMMARY_COLUMNS: readonly string[] = SUMMARY_LINE.split(',');

type Column =
  | '交易时间' | '微信订单号' | '商户订单号' | '交易状态' | '货币种类' | '应结订单金额' | '微信退款单号' | '商户退款单号' | '退款金额'
  | '充值券退款金额' | '退款状态' | '手续费' | '订单金额' | '申请退款金额';
const COL = Object.fromEntries(BILL_COLUMNS.map((c, i) => [c, i])) as Record<Column, number>;

/** 交易状态: what the line is. REVOKED is a payment WeChat Pay lists but did not take money for. */
type TradeState = { kind: 'payment'; status: BillRowStatus } | { kind: 'refund' };
const TRADE_STATES: Readonly<Record<string, TradeState>> = {
  SUCCESS: { kind: 'payment', status: 'succeeded' },
  REVOKED: { kind: 'payment', status: 'closed' },
  REFUND: { kind: 'refund' }, // its status is 退款状态
};

/**
 * 退款状态 of a REFUND line. APIv3 names first, then the names the older bill format still
 * writes for the same states (REFUNDCLOSE = CLOSED, CHANGE = ABNORMAL). ABNORMAL means the
 * money did not reach the payer yet and the merchant must act: not final, so pending.
 */
const REFUND_STATES: Readonly<Record<string, BillRowStatus>> = {
  SUCCESS: 'succeeded',
  PROCESSING: 'pending',
  ABNORMAL: 'pending',
  CLOSED: 'closed',
  CHANGE: 'pending',
  REFUNDCLOSE: 'closed',
};

/** Own keys only: a cell reading "constructor" or "__proto__" must not find Object.prototype. */
function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export const invalid = (line: number, message: string): BillError => new BillError('RECON.BILL_ROW_INVALID', `WeChat Pay bill line ${line}: ${message}`);

/** "12.34" / "-0.05" → fen; undefined when the cell is not a yuan amount with two decimals. */
export function yuanToFen(cell: string): number | undefined {
  const m = /^(-?)(\d{1,13})\.(\d{2})$/.exec(cell);
  if (!m) return undefined;
  const fen = Number(m[2]) * 100 + Number(m[3]);
  return m[1] === '-' && fen !== 0 ? -fen : fen;
}

/** 8888 → "88.88", for messages. */
export function fenToYuan(fen: number): string {
  const digits = String(Math.abs(fen)).padStart(3, '0');
  return `${fen < 0 ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** "yyyy-MM-dd HH:mm:ss" at GMT+8 → epoch ms; undefined unless it is a real time. */
export const beijingTime = (cell: string): number | undefined => chinaWallTime(cell) ?? undefined;

function money(cells: readonly string[], line: number, column: Column): number {
  const cell = cells[COL[column]] ?? '';
  const fen = yuanToFen(cell);
  if (fen === undefined) throw invalid(line, `${column} ${JSON.stringify(cell)} is not a yuan amount with two decimals`);
  return fen;
}

const idOrNull = (cell: string | undefined): string | null => (cell === undefined || cell === '' || cell === '0' ? null : cell);

/** The sums of the columns the summary line restates, over the lines read so far. */
export class BillTotals {
  count = 0;
  settled = 0;
  refunded = 0;
  rechargeRefunded = 0;
  fees = 0;
  ordered = 0;
  refundAsked = 0;

  add(cells: readonly string[], line: number): void {
    this.count++;
    this.settled += money(cells, line, '应结订单金额');
    this.refunded += money(cells, line, '退款金额');
    this.rechargeRefunded += money(cells, line, '充值券退款金额');
    this.fees += money(cells, line, '手续费');
    this.ordered += money(cells, line, '订单金额');
    this.refundAsked += money(cells, line, '申请退款金额');
  }

  /** The summary row's cells (in SUMMARY_COLUMNS order) against the sums: the differences, empty when it agrees. */
  differences(summary: readonly string[], line: number): string[] {
    const count = summary[0] ?? '';
    if (!/^\d{1,12}$/.test(count)) throw invalid(line, `总交易单数 ${JSON.stringify(count)} is not a count`);
    const sums = [this.settled, this.refunded, this.rechargeRefunded, this.fees, this.ordered, this.refundAsked];
    const out = Number(count) === this.count ? [] : [`总交易单数 ${count} but the bill has ${this.count} lines`];
    sums.forEach((sum, i) => {
      const cell = summary[i + 1] ?? '';
      const fen = yuanToFen(cell);
      if (fen === undefined) throw invalid(line, `${SUMMARY_COLUMNS[i + 1]} ${JSON.stringify(cell)} is not a yuan amount`);
      if (fen !== sum) out.push(`${SUMMARY_COLUMNS[i + 1]} ${cell} but the lines add up to ${fenToYuan(sum)}`);
    });
    return out;
  }
}

/**
 * A data line → BillRow. Payments carry 应结订单金额 (what WeChat Pay settles: the order
 * amount less non-recharge coupons), refunds 退款金额; both must be positive fen.
 */
export function billRow(cells: readonly string[], line: number): BillRow {
  const cell = (c: Column): string => cells[COL[c]] ?? '';
  const state = cell('交易状态');
  const what = lookup(TRADE_STATES, state);
  if (what === undefined) throw invalid(line, `交易状态 ${JSON.stringify(state)} is not one of ${Object.keys(TRADE_STATES).join(', ')}`);
  const refund = what.kind === 'refund';
  const status = refund ? lookup(REFUND_STATES, cell('退款状态')) : what.status;
  if (status === undefined) throw invalid(line, `退款状态 ${JSON.stringify(cell('退款状态'))} is not one of ${Object.keys(REFUND_STATES).join(', ')}`);
  const occurredAt = beijingTime(cell('交易时间'));
  if (occurredAt === undefined) throw invalid(line, `交易时间 ${JSON.stringify(cell('交易时间'))} is not a time yyyy-MM-dd HH:mm:ss`);
  const amountColumn = refund ? '退款金额' : '应结订单金额';
  const amount = money(cells, line, amountColumn);
  if (amount <= 0) throw invalid(line, `${amountColumn} must be positive, got ${JSON.stringify(cell(amountColumn))}`);
  const currency = cell('货币种类');
  if (!/^[A-Z]{3}$/.test(currency)) throw invalid(line, `货币种类 ${JSON.stringify(currency)} is not an ISO 4217 code`);
  return {
    line,
    kind: what.kind,
    reference: idOrNull(cell('商户订单号')),
    providerTransactionId: idOrNull(cell('微信订单号')),
    refundReference: refund ? idOrNull(cell('商户退款单号')) : null,
    providerRefundId: refund ? idOrNull(cell('微信退款单号')) : null,
    status,
    amount,
    currency,
    fee: money(cells, line, '手续费'),
    occurredAt,
  };
}
