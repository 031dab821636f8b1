/**
 * orderId, txnTime and txnAmt. UnionPay identifies a transaction by merId + orderId +
 * txnTime: a query must repeat the original txnTime exactly. The port gives the query only
 * the reference, so both are derived from it: Paygate references are `<prefix>_<26 chars>`
 * whose first 10 chars encode the creation time in milliseconds (domain/ids.ts). The same
 * reference therefore always yields the same orderId and txnTime, across retries and
 * restarts, and a resend of the same order is recognisably the same order at UnionPay.
 */
import { PaygateError } from '../../domain/errors.js';
import type { ConnectorFailure } from '../types.js';
import { UNIONPAY_CNY } from './limits.js';
import { fail as failure } from '../common/failure.js';

export const CURRENCY = 'CNY';
/** ISO 4217 numeric code for CNY, ACP currencyCode. */
export const CURRENCY_CODE = '156';
/** txnAmt is at most 12 digits of fen (limits.ts). */
export const MAX_AMOUNT_FEN = UNIONPAY_CNY.max;

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const REFERENCE = /^[a-z]+_([0-9a-hjkmnp-tv-z]{26})$/;
export const ORDER_ID = /^[0-9A-Za-z]{8,32}$/;
const BEIJING_OFFSET_MS = 8 * 3600_000;

/** Whether orderIdOf / txnTimeOf can read the reference (they throw otherwise). */
export function isPaygateReference(reference: string): boolean {
  return REFERENCE.test(reference);
}

/** The failure a build returns for a reference UnionPay's orderId/txnTime cannot be derived from (nothing is sent). */
export function referenceProblem(...references: string[]): ConnectorFailure | undefined {
  const bad = references.find((r) => !isPaygateReference(r));
  return bad === undefined ? undefined : failure('VALIDATION.INVALID_BODY', `UnionPay needs a Paygate reference "<prefix>_<26 base32 chars>", got ${JSON.stringify(bad)}`);
}

function parts(reference: string): { orderId: string; createdAt: number } {
  const m = REFERENCE.exec(reference);
  if (!m) {
    throw new PaygateError('VALIDATION.INVALID_BODY', `UnionPay needs a Paygate reference "<prefix>_<26 base32 chars>", got ${JSON.stringify(reference)}`);
  }
  const id = m[1] ?? '';
  let ms = 0;
  for (const ch of id.slice(0, 10)) ms = ms * 32 + ALPHABET.indexOf(ch);
  return { orderId: id, createdAt: ms };
}

/** The 26 alphanumerics after the prefix: within ACP's 8..32 and free of '_' and '-'. */
export function orderIdOf(reference: string): string {
  return parts(reference).orderId;
}

/** txnTime of the reference's own transaction: its creation time in Beijing time. */
export function txnTimeOf(reference: string): string {
  return beijingTime(new Date(parts(reference).createdAt));
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** yyyyMMddHHmmss in Beijing time (UTC+8, no daylight saving since 1991), whatever TZ we run in. */
export function beijingTime(at: Date): string {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('invalid Date');
  const d = new Date(ms + BEIJING_OFFSET_MS);
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

export { failure };

/** The failure an amount/currency pair gets before anything is sent, or undefined. */
export function amountProblem(amount: number, currency: string, field: string): ConnectorFailure | undefined {
  if (currency !== CURRENCY) return failure('VALIDATION.UNSUPPORTED_CURRENCY', `UnionPay QR settles ${CURRENCY} only; got ${JSON.stringify(currency)}`);
  if (!Number.isSafeInteger(amount) || amount < 1 || amount > MAX_AMOUNT_FEN) {
    return failure('VALIDATION.INVALID_BODY', `UnionPay ${field} must be 1..${MAX_AMOUNT_FEN} fen; got ${amount}`);
  }
  return undefined;
}


/** txnAmt is integer fen as decimal digits; anything else (signs, decimals, exponents) is not an amount. */
export function parseFen(text: string | undefined): number | undefined {
  if (text === undefined || !/^(0|[1-9]\d{0,12})$/.test(text)) return undefined;
  return Number(text);
}
