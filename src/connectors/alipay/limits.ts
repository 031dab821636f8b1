/**
 * What Alipay can charge: total_amount is CNY yuan with two decimals, 0.01..100000000.00
 * (alipay.trade.precreate; shared/providers/alipay.md). Anything outside is refused by the
 * app before a payment is stored.
 */
import { amountRules, type AmountLimits } from '../limits.js';

export const ALIPAY_CNY = { min: 1, max: 10_000_000_000, exponent: 2 } as const;
export const ALIPAY_LIMITS: AmountLimits = { CNY: ALIPAY_CNY };

export const ALIPAY_AMOUNTS = amountRules('Alipay', ALIPAY_LIMITS);
export const alipayAmountProblem = ALIPAY_AMOUNTS.amountProblem;
