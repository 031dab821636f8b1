/**
 * What UnionPay (ACP 5.1.0) can charge: txnAmt is integer fen of at most 12 digits (N1..12),
 * currencyCode 156 (CNY) for QR consumes (shared/providers/unionpay.md). Refused by the app
 * before a payment is stored.
 */
import { amountRules, type AmountLimits } from '../limits.js';

export const UNIONPAY_CNY = { min: 1, max: 999_999_999_999, exponent: 2 } as const;
export const UNIONPAY_LIMITS: AmountLimits = { CNY: UNIONPAY_CNY };

export const UNIONPAY_AMOUNTS = amountRules('UnionPay', UNIONPAY_LIMITS);
export const unionpayAmountProblem = UNIONPAY_AMOUNTS.amountProblem;
