/**
 * Paygate's own failure vocabulary: why a payment (or one try inside it) did not take the
 * money. Stable across providers, so a merchant can branch on it without knowing which
 * provider ran the payment; each connector maps its provider's decline codes onto it in
 * its declines.ts, keeping the provider's own code beside it. docs/failure-codes.md lists
 * the codes and every provider table. Adding a code is a change to the API: document it.
 */
export const FAILURE_CODES = [
  /** The issuer or wallet refused without saying why (or for a reason Paygate does not distinguish). */
  'card_declined',
  'insufficient_funds',
  'expired_card',
  /** Card number, CVC or expiry wrong, or the account/instrument is invalid. */
  'invalid_card',
  /** Daily / per-transaction limit of the card or the wallet account reached. */
  'limit_exceeded',
  /** 3-D Secure, SMS code, payment password or bank authentication not completed or failed. */
  'authentication_failed',
  /** The provider's or issuer's fraud checks refused the payment. */
  'risk_declined',
  /** The buyer abandoned or canceled on the provider's page. */
  'buyer_canceled',
  /** The buyer has to act again at the provider (choose another funding source). */
  'payer_action_required',
  /** Nobody paid before the deadline: the session expired or Paygate closed it. */
  'expired',
  /** The provider closed or voided the order without a decline (merchant close, provider's own rule). */
  'order_closed',
  /** The provider failed on its side (system error, bank unreachable). */
  'provider_error',
  /** A decline whose provider code Paygate does not know; the provider's code is kept. */
  'declined_other',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

export function isFailureCode(value: string): value is FailureCode {
  return (FAILURE_CODES as readonly string[]).includes(value);
}

/**
 * A decline or failure as reported by a provider. The connector fills `code` from its
 * declines.ts table; `providerCode` is the provider's own code exactly as sent (Stripe
 * decline_code, WeChat trade_state, UnionPay respCode, PayPal issue) for support tickets.
 */
export interface Decline {
  code: FailureCode;
  providerCode: string;
  /** Human text: the provider's message when it sends one, else the code's default. */
  message: string;
}

const DEFAULT_MESSAGES: Readonly<Record<FailureCode, string>> = {
  card_declined: 'The card or wallet was declined.',
  insufficient_funds: 'The card or wallet has insufficient funds.',
  expired_card: 'The card has expired.',
  invalid_card: 'The card or account details are invalid.',
  limit_exceeded: 'A limit of the card or wallet account was reached.',
  authentication_failed: 'The buyer did not complete authentication.',
  risk_declined: 'The provider declined the payment as risky.',
  buyer_canceled: 'The buyer canceled the payment.',
  payer_action_required: 'The buyer must choose another way to pay.',
  expired: 'Nobody paid before the payment expired.',
  order_closed: 'The provider closed the order without payment.',
  provider_error: 'The provider failed to process the payment.',
  declined_other: 'The payment was declined.',
};

export function defaultFailureMessage(code: FailureCode): string {
  return DEFAULT_MESSAGES[code];
}

/**
 * Build a Decline from a provider table: an unknown provider code becomes `declined_other`
 * (never a guess at a specific reason) with the provider's code kept.
 */
export function declineFrom(table: Readonly<Record<string, FailureCode>>, providerCode: string, message?: string): Decline {
  const code = Object.hasOwn(table, providerCode) ? table[providerCode]! : 'declined_other';
  const text = message?.trim();
  return { code, providerCode, message: text ? text.slice(0, 500) : defaultFailureMessage(code) };
}

/** The reason for a final failure that came without a decline: the deadline passed, or the provider closed the order. */
export function failureOnClose(status: 'failed' | 'expired'): { code: FailureCode; message: string } {
  const code: FailureCode = status === 'expired' ? 'expired' : 'order_closed';
  return { code, message: defaultFailureMessage(code) };
}
