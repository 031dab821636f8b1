/**
 * What WeChat Pay Native can charge: amount.total is an int of fen (APIv3 documents the
 * type as int, i.e. a signed 32-bit integer: at most 2,147,483,647 fen), CNY only for
 * domestic Native payments (shared/providers/wechatpay.md). Refused by the app before a
 * payment is stored.
 */
import { amountRules, type AmountLimits } from '../limits.js';

export const WECHATPAY_CNY = { min: 1, max: 2_147_483_647, exponent: 2 } as const;
export const WECHATPAY_LIMITS: AmountLimits = { CNY: WECHATPAY_CNY };

export const WECHATPAY_AMOUNTS = amountRules('WeChat Pay', WECHATPAY_LIMITS);
export const wechatpayAmountProblem = WECHATPAY_AMOUNTS.amountProblem;
