/**
 * One Transaction Search item (transaction_details[].transaction_info) → a BillRow, or nothing
 * for the event codes reconciliation does not compare. Paygate's money moves as T0006
 * (a capture through the Checkout APIs) and T1107 (a refund the merchant made); other
 * incoming payments are listed as payments, so a trade made beside Paygate on the same
 * account shows up as one Paygate does not know.
 */
import { isSupportedCurrency, parseMinor } from '../../domain/money.js';
import { BillError, type BillRow, type BillRowStatus } from '../bills.js';
import { obj, str, type Json } from './response.js';

type Treatment = 'payment' | 'refund' | 'skip';

/**
 * Event codes (developer.paypal.com/docs/transaction-search/transaction-event-codes) met on a
 * merchant account that takes PayPal Checkout payments. A code not here fails the run naming
 * it: it is read in PayPal's table and added, never guessed.
 */
export const EVENT_CODES = {
  T0000: 'skip', // general payment, direction unknown (not how Checkout pays)
  T0001: 'skip', // MassPay payment
  T0002: 'payment', // subscription payment
  T0003: 'payment', // pre-approved payment (billing agreement)
  T0004: 'payment', // eBay auction payment
  T0005: 'payment', // direct payment API
  T0006: 'payment', // PayPal Checkout APIs: Paygate's captures
  T0007: 'payment', // website payments standard
  T0011: 'payment', // mobile payment
  T0013: 'payment', // donation payment
  T0100: 'skip', // general non-payment fee
  T0200: 'skip', // general currency conversion
  T0300: 'skip', // bank deposit into the PayPal account
  T0400: 'skip', // general withdrawal to a bank account
  T0403: 'skip', // user-initiated withdrawal
  T1105: 'skip', // reversal of a general account hold
  // Reversals and chargebacks follow the dispute events (connectors/paypal/events.ts), not the bill.
  T1106: 'skip', // payment reversal initiated by PayPal
  T1107: 'refund', // payment refund initiated by the merchant
  T1108: 'skip', // fee reversal
  T1110: 'skip', // hold for dispute investigation
  T1111: 'skip', // cancellation of a dispute hold
  T1201: 'skip', // chargeback
  T1202: 'skip', // chargeback reversal
  T1207: 'skip', // chargeback re-presentment rejection
  T1208: 'skip', // chargeback cancellation
  T1500: 'skip', // account hold
  T1501: 'skip', // account hold for open authorization
  T1503: 'skip', // hold on available balance
  T2101: 'skip', // general hold (reserve)
  T2102: 'skip', // general hold release
} as const satisfies Record<string, Treatment>;

/**
 * transaction_status. F (the recipient partially refunded it) is a payment whose money was
 * taken: the refund is its own T1107 row, so F is succeeded, not closed.
 */
export const TRANSACTION_STATUSES = { S: 'succeeded', P: 'pending', V: 'closed', D: 'closed', F: 'succeeded' } as const satisfies Record<string, BillRowStatus>;

const invalid = (line: number, id: string, message: string) => new BillError('RECON.BILL_ROW_INVALID', `PayPal transaction ${line} (${id}): ${message}`);

function lookup<T>(table: Readonly<Record<string, T>>, value: unknown, line: number, id: string, what: string): T {
  if (typeof value === 'string' && Object.hasOwn(table, value)) return table[value] as T;
  throw invalid(line, id, `unknown ${what} ${JSON.stringify(value ?? null)}; add it to connectors/paypal/bill-rows.ts after checking PayPal's table`);
}

/** {currency_code, value} → signed minor units by the currency's exponent (JPY "500" → 500), string arithmetic only. */
function money(m: Json | undefined, line: number, id: string, field: string): { currency: string; minor: number } | undefined {
  if (!m) return undefined;
  const currency = str(m, 'currency_code');
  const value = str(m, 'value');
  if (!currency || !isSupportedCurrency(currency)) throw invalid(line, id, `${field}.currency_code ${JSON.stringify(currency ?? null)} is not a currency Paygate knows`);
  const minor = value === undefined ? null : parseMinor(value, currency);
  if (minor === null) throw invalid(line, id, `${field}.value ${JSON.stringify(m.value ?? null)} is not a ${currency} amount`);
  return { currency, minor };
}

// PayPal writes 2026-12-01T10:00:00+0000 (also with milliseconds or Z).
const DATE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)(Z|[+-]\d{2}:?\d{2})$/;

function timeOf(v: string | undefined): number | undefined {
  const m = v === undefined ? null : DATE.exec(v);
  if (!m) return undefined;
  const zone = m[2] === 'Z' ? 'Z' : `${m[2]!.slice(0, 3)}:${m[2]!.slice(-2)}`;
  const t = Date.parse(`${m[1]}${zone}`);
  // Date.parse rolls 25:61 or Feb 30 over; a real time reads back the same fields.
  return Number.isFinite(t) && new Date(t + (m[2] === 'Z' ? 0 : offsetMs(zone))).toISOString().slice(0, 19) === m[1]!.slice(0, 19) ? t : undefined;
}
const offsetMs = (zone: string) => (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;

export function billRowOf(info: Json, line: number, from: number, to: number): BillRow | undefined {
  const id = str(info, 'transaction_id') ?? '?';
  const treatment = lookup<Treatment>(EVENT_CODES, info.transaction_event_code, line, id, 'transaction_event_code');
  if (treatment === 'skip') return undefined;
  const at = timeOf(str(info, 'transaction_initiation_date'));
  if (at === undefined || at < from || at >= to) throw invalid(line, id, `transaction_initiation_date ${JSON.stringify(info.transaction_initiation_date ?? null)} is not a time inside the window asked for`);
  const status = lookup(TRANSACTION_STATUSES, info.transaction_status, line, id, 'transaction_status');
  const amount = money(obj(info, 'transaction_amount'), line, id, 'transaction_amount');
  if (!amount || amount.minor === 0) throw invalid(line, id, 'transaction_amount is missing or zero');
  const fee = money(obj(info, 'fee_amount'), line, id, 'fee_amount');
  if (fee && fee.currency !== amount.currency) throw invalid(line, id, `fee_amount is in ${fee.currency}, the transaction in ${amount.currency}`);
  const invoice = str(info, 'invoice_id') ?? null;
  const custom = str(info, 'custom_field');
  // The fee is written negative when taken from the merchant; BillRow counts a charged fee positive.
  const common = { line, status, currency: amount.currency, fee: fee ? -fee.minor : null, occurredAt: at };
  if (treatment === 'payment') {
    if (amount.minor < 0) throw invalid(line, id, `a payment of ${amount.minor} (payments are credits)`);
    // Paygate sends its reference as invoice_id and custom_id (connectors/paypal/orders.ts); the capture id is the attempt's transaction id.
    return { ...common, kind: 'payment', reference: invoice ?? custom ?? null, providerTransactionId: id === '?' ? null : id, refundReference: null, providerRefundId: null, amount: amount.minor };
  }
  if (amount.minor > 0) throw invalid(line, id, `a refund of +${amount.minor} (refunds are debits)`);
  // A Paygate refund carries custom_id "<reference>:<refund reference>" and invoice_id = the refund reference (refund.ts).
  const [reference, refundReference] = (custom ?? '').split(':');
  return {
    ...common, kind: 'refund', reference: reference || null, refundReference: invoice ?? (refundReference || null),
    providerTransactionId: str(info, 'paypal_reference_id') ?? null, providerRefundId: id === '?' ? null : id, amount: -amount.minor,
  };
}
