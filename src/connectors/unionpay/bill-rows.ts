/**
 * One ZM record → one BillRow. Field numbers are the ACP 全渠道 ZM table's (1-based, listed
 * in docs/providers/unionpay.md): #5 交易传输时间, #7 交易金额, #10 查询流水号 (queryId),
 * #12 商户订单号 (orderId), #16 商户手续费, #20 交易类型, #27 原交易查询流水号 (origQryId).
 */
import { BillError, type BillRow, type BillRowKind, type BillRowStatus } from '../bills.js';
import { CURRENCY } from './order.js';
import type { ZmRecord } from './zm-file.js';

type Ids = Pick<BillRow, 'reference' | 'providerTransactionId' | 'refundReference' | 'providerRefundId'>;

interface TxnTypeRule {
  kind: BillRowKind;
  status: BillRowStatus;
  /** Which fields name the trade (and the refund) on this record. */
  ids(orderId: string, queryId: string, origQryId: string): Ids;
}

/**
 * Paygate's attempt ids are `att_<26>` and UnionPay's orderId is the 26 after the prefix
 * (order.ts); refunds are `re_<26>`. An orderId of another shape was not sent by Paygate
 * (another system on the same merId): it is passed on as it is, and matches nothing.
 */
const PAYGATE_ORDER_ID = /^[0-9a-hjkmnp-tv-z]{26}$/;
const referenceOf = (orderId: string, prefix: 'att' | 're') => (PAYGATE_ORDER_ID.test(orderId) ? `${prefix}_${orderId}` : orderId);

/** Every txnType a ZM file of a QR merchant lists; anything else is refused by name. */
export const ZM_TXN_TYPES: Readonly<Record<string, TxnTypeRule>> = {
  // Consume: the payment; its queryId is what the connector's query returns as providerTransactionId.
  '01': { kind: 'payment', status: 'succeeded', ids: (orderId, queryId) => ({ reference: referenceOf(orderId, 'att'), providerTransactionId: queryId, refundReference: null, providerRefundId: null }) },
  // Refund: its own orderId is the refund reference's; the payment is named by origQryId only.
  '04': { kind: 'refund', status: 'succeeded', ids: (orderId, queryId, origQryId) => ({ reference: null, providerTransactionId: origQryId, refundReference: referenceOf(orderId, 're'), providerRefundId: queryId }) },
  // Consume undo (undo.ts: the consume's orderId + "U"): the original payment did not keep the money.
  '31': { kind: 'payment', status: 'closed', ids: (orderId, _queryId, origQryId) => ({ reference: referenceOf(orderId.replace(/U$/, ''), 'att'), providerTransactionId: origQryId, refundReference: null, providerRefundId: null }) },
};

const invalid = (r: ZmRecord, what: string) => new BillError('RECON.BILL_ROW_INVALID', `ZM line ${r.line}: ${what}`);

/** #5 MMDDhhmmss (Beijing) in the year of the settle day; a December time on a January bill is the year before. */
export function zmTime(r: ZmRecord, day: string): number {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(r.txnTime);
  if (!m) throw invalid(r, `txnTime (#5) ${JSON.stringify(r.txnTime)} is not MMDDhhmmss`);
  const [, mm = '', dd = '', hh = '', mi = '', ss = ''] = m;
  const settleYear = Number(day.slice(0, 4));
  const year = Number(mm) > Number(day.slice(5, 7)) ? settleYear - 1 : settleYear;
  const iso = `${String(year).padStart(4, '0')}-${mm}-${dd}T${hh}:${mi}:${ss}+08:00`;
  const at = Date.parse(iso);
  // Date.parse rolls 02-30 into March on some engines and refuses it on others: compare back.
  if (!Number.isFinite(at) || new Date(at + 8 * 3600_000).toISOString().slice(0, 19) !== iso.slice(0, 19)) throw invalid(r, `txnTime (#5) ${r.txnTime} is not a real time`);
  return at;
}

/** #16: a debit/credit flag and 12 digits of fen (D: charged to the merchant), blank when not given. */
export function zmFee(r: ZmRecord): number | null {
  const text = r.fields[15] ?? '';
  if (text === '') return null;
  const m = /^([CD])(\d{12})$/.exec(text);
  if (!m) throw invalid(r, `fee (#16) ${JSON.stringify(text)} is not C/D and 12 digits`);
  const fen = Number(m[2]);
  return m[1] === 'D' ? fen : -fen;
}

export function zmBillRow(r: ZmRecord, day: string): BillRow {
  const rule = Object.hasOwn(ZM_TXN_TYPES, r.txnType) ? ZM_TXN_TYPES[r.txnType] : undefined;
  if (!rule) throw invalid(r, `unknown txnType (#20) ${JSON.stringify(r.txnType)}`);
  const amountText = r.fields[6] ?? '';
  if (!/^\d{12}$/.test(amountText) || r.amount === undefined || r.amount <= 0) throw invalid(r, `amount (#7) ${JSON.stringify(amountText)} is not 12 digits of fen above zero`);
  if (r.orderId === '') throw invalid(r, 'no orderId (#12)');
  const queryId = r.fields[9] ?? '';
  const origQryId = r.fields[26] ?? '';
  if (queryId === '') throw invalid(r, 'no queryId (#10)');
  if (r.txnType !== '01' && origQryId === '') throw invalid(r, `txnType ${r.txnType} without origQryId (#27)`);
  return {
    line: r.line,
    kind: rule.kind,
    ...rule.ids(r.orderId, queryId, origQryId),
    status: rule.status,
    amount: r.amount,
    // ZM has no currency field: ACP QR settles CNY only (limits.ts).
    currency: CURRENCY,
    fee: zmFee(r),
    occurredAt: zmTime(r, day),
  };
}
