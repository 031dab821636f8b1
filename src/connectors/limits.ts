/**
 * What a provider can charge, declared per connector (connectors/<provider>/limits.ts) and
 * checked by the app before anything is stored (Connector.amountProblem): an amount the
 * provider's request builder or the provider itself would refuse must never leave a payment
 * behind. Limits are in Paygate minor units (ISO 4217 exponent, domain/money.ts).
 */
import { formatMinor, minorUnits } from '../domain/money.js';

export interface CurrencyLimit {
  /** Smallest amount the provider takes, minor units, inclusive. */
  min: number;
  /** Largest amount the provider's amount field can carry, minor units, inclusive. */
  max: number;
  /**
   * Decimal digits the provider's amount carries for this currency. Fewer than the ISO
   * exponent (Stripe KWD, PayPal HUF/TWD) means only multiples of 10^(ISO − exponent) minor
   * units can be expressed; rounding money silently is never an option.
   */
  exponent: number;
}

/** Currency → limit; exactly the currencies the connector offers (Connector.currencies). */
export type AmountLimits = Readonly<Record<string, CurrencyLimit>>;

const money = (amount: number, currency: string) => `${formatMinor(amount, currency)} ${currency}`;

/** What a connector declares about money (Connector.currencies, limits, amountProblem), all from its one limits table, so the three cannot disagree. */
export interface AmountRules {
  readonly currencies: readonly string[];
  readonly limits: AmountLimits;
  amountProblem(amount: number, currency: string): string | undefined;
}

export function amountRules(provider: string, limits: AmountLimits): AmountRules {
  return { currencies: Object.keys(limits), limits, amountProblem: (amount, currency) => limitProblem(provider, limits, amount, currency) };
}

/** Why `amount` cannot be sent in `currency` under `limits`, or undefined when it can. */
export function limitProblem(provider: string, limits: AmountLimits, amount: number, currency: string): string | undefined {
  const limit = Object.prototype.hasOwnProperty.call(limits, currency) ? limits[currency] : undefined;
  if (!limit) return `${provider} is not offered for ${currency}; use one of ${Object.keys(limits).join(', ')}`;
  if (!Number.isSafeInteger(amount) || amount <= 0) return `amount must be a positive integer in minor units, got ${amount}`;
  if (amount < limit.min || amount > limit.max) {
    return `${provider} takes ${currency} amounts from ${money(limit.min, currency)} to ${money(limit.max, currency)} (${limit.min}..${limit.max} minor units); got ${amount}`;
  }
  const step = 10 ** Math.max(0, minorUnits(currency) - limit.exponent);
  if (amount % step !== 0) {
    const down = Math.floor(amount / step) * step;
    const up = down + step;
    const options = [down, up].filter((a) => a >= limit.min && a <= limit.max).join(' or ');
    return `${provider} charges ${currency} in multiples of ${step} minor units (${money(step, currency)}); ${amount} cannot be sent exactly${options ? ` — use ${options}` : ''}`;
  }
  return undefined;
}
