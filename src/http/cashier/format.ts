/** Formatting for the cashier: HTML escaping and money for the buyer's locale. */
import { formatMinor, minorUnits } from '../../domain/money.js';
import type { Lang } from './i18n.js';

/** Everything interpolated into HTML text or attribute values goes through here. */
export const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/**
 * 8888 CNY → "¥88.88" (zh-CN) / "CN¥88.88" (en). The amount reaches Intl as an exact decimal
 * string, never a float, and the fraction digits are the currency's minor units (JPY 0, KWD 3)
 * rather than whatever the locale data suggests.
 */
export function formatAmount(amount: number, currency: string, lang: Lang): string {
  const digits = minorUnits(currency);
  const decimal = formatMinor(amount, currency) as `${number}`;
  return new Intl.NumberFormat(lang, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(decimal);
}

/** Only http(s) targets are followed: a stored return_url must never become a javascript: link. */
export function safeHttpUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}
