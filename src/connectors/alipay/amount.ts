/**
 * Alipay amounts: CNY yuan strings with two decimals, 0.01..100000000.00.
 */
import { formatMinor } from '../../domain/money.js';
import type { ConnectorFailure } from '../types.js';
import { fail } from './response.js';
import { ALIPAY_CNY } from './limits.js';

export const CURRENCY = 'CNY';
export const MIN_AMOUNT_MINOR = ALIPAY_CNY.min;
export const MAX_AMOUNT_MINOR = ALIPAY_CNY.max;

/** The failure an amount/currency pair gets before anything is sent, or undefined. */
export function amountProblem(amount: number, currency: string, field: string): ConnectorFailure | undefined {
  if (currency !== CURRENCY) {
    return fail('VALIDATION.UNSUPPORTED_CURRENCY', `Alipay settles ${CURRENCY} only; got ${JSON.stringify(currency)}`);
  }
  if (!Number.isSafeInteger(amount) || amount < MIN_AMOUNT_MINOR || amount > MAX_AMOUNT_MINOR) {
    return fail('VALIDATION.INVALID_BODY', `Alipay ${field} must be 0.01..100000000.00 CNY (1..${MAX_AMOUNT_MINOR} fen); got ${amount}`);
  }
  return undefined;
}

export function yuan(amount: number): string {
  return formatMinor(amount, CURRENCY);
}
