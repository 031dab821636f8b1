/**
 * Amounts at Stripe are integers in the currency's smallest unit, with Stripe's own rules:
 * zero-decimal currencies (JPY, KRW, ...) are whole units, and three-decimal currencies
 * (KWD, BHD, ...) are sent in thousandths but must end in 0 (stripe.com/docs/currencies).
 * Paygate's minor units (ISO 4217 exponent, domain/money.ts) equal Stripe's units for every
 * currency listed here, so the value passes through unchanged; what Stripe cannot charge
 * is refused before anything is stored (limits.ts). Currencies where Stripe's unit differs from ISO
 * (ISK, HUF, TWD, UGX special cases) are deliberately not offered.
 */

/** Presentment currencies Paygate supports (money.ts) that Stripe charges with ISO minor units. */
export const STRIPE_CURRENCIES = [
  'USD', 'EUR', 'GBP', 'JPY', 'HKD', 'CNY', 'KWD', 'KRW', 'AUD', 'CAD', 'SGD', 'CHF', 'NZD', 'SEK', 'NOK', 'DKK',
  'MOP', 'THB', 'MYR', 'PHP', 'INR', 'MXN', 'BRL', 'VND', 'CLP', 'BHD', 'OMR', 'JOD', 'TND',
] as const;

const SUPPORTED: ReadonlySet<string> = new Set(STRIPE_CURRENCIES);

/** Stripe's largest amount field is 8 digits for most currencies; 99,999,999 units is the documented ceiling. */
export const MAX_STRIPE_AMOUNT = 99_999_999;

/** Stripe wants ISO codes in lower case in requests and answers in lower case. */
export const toStripeCurrency = (currency: string): string => currency.toLowerCase();

/** 'usd' → 'USD' when it is one Paygate offers on Stripe; undefined otherwise. */
export function fromStripeCurrency(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.toUpperCase();
  return SUPPORTED.has(upper) ? upper : undefined;
}
