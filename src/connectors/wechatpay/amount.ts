/**
 * WeChat Pay amounts: integer fen, CNY only for domestic Native payments.
 */
import type { ConnectorFailure } from '../types.js';
import { fail } from './response.js';
import { WECHATPAY_CNY } from './limits.js';

export const CURRENCY = 'CNY';
/** amount.total is a 32-bit int at WeChat Pay (limits.ts). */
export const MAX_FEN = WECHATPAY_CNY.max;

export function amountProblem(amount: number, currency: string, field: string): ConnectorFailure | undefined {
  if (currency !== CURRENCY) return fail('VALIDATION.UNSUPPORTED_CURRENCY', `WeChat Pay Native settles ${CURRENCY} only; got ${JSON.stringify(currency)}`);
  if (!Number.isSafeInteger(amount) || amount < 1 || amount > MAX_FEN) {
    return fail('VALIDATION.INVALID_BODY', `WeChat Pay ${field} must be 1..${MAX_FEN} fen; got ${amount}`);
  }
  return undefined;
}
