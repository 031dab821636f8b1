/**
 * What PayPal Orders v2 can be sent: amount.value is a decimal string of at most 32
 * characters with exactly the currency's PayPal decimals (shared/providers/paypal.md; JPY,
 * HUF and TWD have none at PayPal, so HUF/TWD — two decimals in ISO 4217 — could only be sent
 * in whole units and are not offered). Every safe integer of minor units fits in 32
 * characters, so the format sets no ceiling below Paygate's own; the ceiling PayPal does
 * enforce is the receiving account's transaction limit, which is an answer (a decline), not
 * a format.
 */
import { minorUnits } from '../../domain/money.js';
import { amountRules, type AmountLimits } from '../limits.js';

/** Currencies PayPal settles that Paygate's money table knows (no KWD at PayPal; JPY has no decimals). */
export const PAYPAL_CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY', 'HKD', 'CNY', 'AUD', 'CAD', 'SGD', 'CHF', 'NZD', 'SEK', 'NOK', 'DKK', 'MXN'] as const;

/** Decimals PayPal uses where they differ from ISO 4217 (developer.paypal.com/api/rest/reference/currency-codes). */
const PAYPAL_DECIMALS: Readonly<Record<string, number>> = { HUF: 0, TWD: 0, JPY: 0 };

export const PAYPAL_LIMITS: AmountLimits = Object.fromEntries(
  PAYPAL_CURRENCIES.map((c) => [c, { min: 1, max: Number.MAX_SAFE_INTEGER, exponent: PAYPAL_DECIMALS[c] ?? minorUnits(c) }]),
);

export const PAYPAL_AMOUNTS = amountRules('PayPal', PAYPAL_LIMITS);
export const paypalAmountProblem = PAYPAL_AMOUNTS.amountProblem;
