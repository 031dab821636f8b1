// The simulator's own view of Stripe currencies (stripe.com/docs/currencies), independent of
// Paygate's money module: amounts are in the smallest unit; zero-decimal currencies have
// none; three-decimal currencies must be multiples of 10.
import { invalid } from './errors.js';

export const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);
export const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);
const TWO_DECIMAL = new Set(['usd', 'eur', 'gbp', 'hkd', 'cny', 'aud', 'cad', 'sgd', 'chf', 'nzd', 'sek', 'nok', 'dkk', 'mop', 'thb', 'myr', 'php', 'inr', 'mxn', 'brl', 'aed', 'pln', 'czk']);

export function checkAmount(amount: number, currency: string, param = 'amount'): void {
  if (!ZERO_DECIMAL.has(currency) && !THREE_DECIMAL.has(currency) && !TWO_DECIMAL.has(currency)) {
    throw invalid(`Invalid currency: ${currency}. Stripe currently supports these currencies: ${[...TWO_DECIMAL, ...ZERO_DECIMAL, ...THREE_DECIMAL].join(', ')}`, 'currency');
  }
  if (amount < 1) throw invalid('This value must be greater than or equal to 1.', param);
  if (amount > 99_999_999) throw invalid('Amount must be no more than 99999999', param, 'amount_too_large');
  if (THREE_DECIMAL.has(currency) && amount % 10 !== 0) {
    throw invalid(`Amounts in ${currency.toUpperCase()} must be divisible by 10 (the smallest unit Stripe charges is 0.010).`, param, 'invalid_amount');
  }
}

/** 123450 kwd → "123.450"; 500 jpy → "500". For the hosted page only. */
export function displayAmount(amount: number, currency: string): string {
  const digits = ZERO_DECIMAL.has(currency) ? 0 : THREE_DECIMAL.has(currency) ? 3 : 2;
  if (digits === 0) return String(amount);
  const s = String(amount).padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}
