/**
 * Money is an integer amount in the currency's minor unit plus an ISO 4217 code.
 * Conversions to and from provider decimal strings go through string/BigInt arithmetic,
 * never through floating point: "0.1 + 0.2" must never reach a ledger.
 */

/** ISO 4217 exponent for the currencies Paygate accepts. Anything else is rejected. */
const MINOR_UNITS: Readonly<Record<string, number>> = Object.freeze({
  CNY: 2, USD: 2, EUR: 2, GBP: 2, HKD: 2, AUD: 2, CAD: 2, SGD: 2, CHF: 2, NZD: 2,
  SEK: 2, NOK: 2, DKK: 2, MOP: 2, TWD: 2, THB: 2, MYR: 2, PHP: 2, INR: 2, MXN: 2, BRL: 2,
  JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0,
  KWD: 3, BHD: 3, OMR: 3, JOD: 3, TND: 3,
});

export function isSupportedCurrency(currency: string): boolean {
  return Object.prototype.hasOwnProperty.call(MINOR_UNITS, currency);
}

export function minorUnits(currency: string): number {
  const digits = MINOR_UNITS[currency];
  if (digits === undefined) throw new RangeError(`unsupported currency ${currency}`);
  return digits;
}

/** 8888 CNY -> "88.88"; 500 JPY -> "500"; 1234 KWD -> "1.234"; -150 CNY -> "-1.50". */
export function formatMinor(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amount must be a safe integer, got ${amount}`);
  const digits = minorUnits(currency);
  const negative = amount < 0;
  const abs = BigInt(Math.abs(amount)).toString();
  if (digits === 0) return (negative ? '-' : '') + abs;
  const padded = abs.padStart(digits + 1, '0');
  const whole = padded.slice(0, padded.length - digits);
  const frac = padded.slice(padded.length - digits);
  return `${negative ? '-' : ''}${whole}.${frac}`;
}

/**
 * "88.88" CNY -> 8888. Accepts fewer fraction digits than the currency has ("88.8" -> 8880)
 * but never more (that would silently round money). Returns null for anything malformed.
 */
export function parseMinor(text: string, currency: string): number | null {
  const digits = minorUnits(currency);
  const m = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const [, sign, whole, frac = ''] = m;
  if (frac.length > digits) return null;
  const value = BigInt((whole ?? '0') + frac.padEnd(digits, '0'));
  const n = Number(value);
  if (!Number.isSafeInteger(n)) return null;
  return sign === '-' ? -n : n;
}
