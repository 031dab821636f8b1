/**
 * Stripe decline codes → Paygate failure codes. Stripe puts the issuer's reason in
 * last_payment_error.decline_code (card_declined errors) and the error kind in .code
 * (expired_card, incorrect_cvc, authentication_required …); decline_code wins when present.
 * Source: https://docs.stripe.com/declines/codes and https://docs.stripe.com/error-codes.
 */
import { declineFrom, type Decline, type FailureCode } from '../../domain/failure-codes.js';
import { obj, str, type JsonObject } from './http.js';

export const STRIPE_DECLINES: Readonly<Record<string, FailureCode>> = {
  generic_decline: 'card_declined',
  card_declined: 'card_declined',
  do_not_honor: 'card_declined',
  call_issuer: 'card_declined',
  card_not_supported: 'card_declined',
  transaction_not_allowed: 'card_declined',
  not_permitted: 'card_declined',
  insufficient_funds: 'insufficient_funds',
  expired_card: 'expired_card',
  incorrect_cvc: 'invalid_card',
  invalid_cvc: 'invalid_card',
  incorrect_number: 'invalid_card',
  invalid_number: 'invalid_card',
  invalid_expiry_month: 'invalid_card',
  invalid_expiry_year: 'invalid_card',
  invalid_account: 'invalid_card',
  card_velocity_exceeded: 'limit_exceeded',
  withdrawal_count_limit_exceeded: 'limit_exceeded',
  authentication_required: 'authentication_failed',
  payment_intent_authentication_failure: 'authentication_failed',
  fraudulent: 'risk_declined',
  lost_card: 'risk_declined',
  stolen_card: 'risk_declined',
  pickup_card: 'risk_declined',
  merchant_blacklist: 'risk_declined',
  security_violation: 'risk_declined',
  processing_error: 'provider_error',
  issuer_not_available: 'provider_error',
  try_again_later: 'provider_error',
};

/** The decline an intent carries (last_payment_error), or undefined when it has none. */
export function stripeDecline(pi: JsonObject): Decline | undefined {
  const err = obj(pi, 'last_payment_error');
  if (!err) return undefined;
  const providerCode = str(err, 'decline_code') ?? str(err, 'code') ?? str(err, 'type') ?? 'unknown';
  return declineFrom(STRIPE_DECLINES, providerCode, str(err, 'message'));
}
