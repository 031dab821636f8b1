/**
 * What Stripe can charge (stripe.com/docs/currencies): an amount field of at most 8 digits
 * (99,999,999 units), and for three-decimal currencies (KWD, BHD, OMR, JOD, TND) amounts
 * sent in thousandths that must end in 0 — two usable decimals, expressed here as exponent 2
 * against ISO's 3. Refused by the app before a payment is stored.
 */
import { minorUnits } from '../../domain/money.js';
import { amountRules, type AmountLimits } from '../limits.js';
import { MAX_STRIPE_AMOUNT, STRIPE_CURRENCIES } from './amount.js';

export const STRIPE_LIMITS: AmountLimits = Object.fromEntries(
  STRIPE_CURRENCIES.map((c) => [c, { min: 1, max: MAX_STRIPE_AMOUNT, exponent: Math.min(2, minorUnits(c)) }]),
);

export const STRIPE_AMOUNTS = amountRules('Stripe', STRIPE_LIMITS);
export const stripeAmountProblem = STRIPE_AMOUNTS.amountProblem;
