// Amounts and ids as PayPal writes them. Own exponent table (the simulator shares no code with the gateway).
import { randomBytes, randomInt } from 'node:crypto';

/** Currencies the simulated PayPal accepts, with PayPal's decimal places (no KWD). */
const DECIMALS: Readonly<Record<string, number>> = {
  USD: 2, EUR: 2, GBP: 2, HKD: 2, CNY: 2, AUD: 2, CAD: 2, SGD: 2, CHF: 2, NZD: 2, SEK: 2, NOK: 2, DKK: 2, MXN: 2, PLN: 2, CZK: 2, ILS: 2, PHP: 2, THB: 2,
  JPY: 0, HUF: 0, TWD: 0,
};

export const isCurrency = (c: string): boolean => Object.prototype.hasOwnProperty.call(DECIMALS, c);

/** "10.00" USD → 1000; "500" JPY → 500; wrong precision → null (PayPal answers DECIMAL_PRECISION). */
export function toMinor(value: string, currency: string): number | null {
  const d = DECIMALS[currency];
  if (d === undefined) return null;
  const m = d === 0 ? /^(\d{1,12})$/.exec(value) : new RegExp(`^(\\d{1,12})\\.(\\d{${d}})$`).exec(value);
  if (!m) return null;
  return Number(`${m[1]}${m[2] ?? ''}`);
}

export function fromMinor(minor: number, currency: string): string {
  const d = DECIMALS[currency] ?? 2;
  const neg = minor < 0;
  const s = String(Math.abs(minor)).padStart(d + 1, '0');
  const out = d === 0 ? s : `${s.slice(0, -d)}.${s.slice(-d)}`;
  return neg ? `-${out}` : out;
}

const UPPER = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const pick = (n: number): string => Array.from({ length: n }, () => UPPER[randomInt(UPPER.length)]).join('');

/** Order, capture and refund ids: 17 upper-case alphanumerics, like PayPal's. */
export const newResourceId = (): string => pick(17);
export const newClientId = (): string => `A${randomBytes(39).toString('base64url').slice(0, 79)}`;
export const newSecret = (): string => `E${randomBytes(39).toString('base64url').slice(0, 79)}`;
export const newWebhookId = (): string => pick(17);
export const newPayerId = (): string => pick(13);
export const newEventId = (): string => `WH-${pick(17)}-${pick(17)}`;
export const newToken = (): string => `A21AA${randomBytes(48).toString('base64url')}`;
export const newDebugId = (): string => randomBytes(7).toString('hex');
