/**
 * PayPal decline reasons → Paygate failure codes. Two places carry them: the issue of a 422
 * capture answer (INSTRUMENT_DECLINED, PAYER_ACTION_REQUIRED …), where the order stays
 * APPROVED and the buyer can be sent back to the approve link to pick another funding
 * source; and a DECLINED capture's status_details.reason, which ends the order.
 * Sources: developer.paypal.com/api/rest/reference/orders/v2/errors/ and the capture object's status_details.
 */
import { declineFrom, type Decline, type FailureCode } from '../../domain/failure-codes.js';

export const PAYPAL_DECLINES: Readonly<Record<string, FailureCode>> = {
  INSTRUMENT_DECLINED: 'card_declined',
  TRANSACTION_REFUSED: 'card_declined',
  PAYER_CANNOT_PAY: 'card_declined',
  CARD_EXPIRED: 'expired_card',
  CARD_CLOSED: 'invalid_card',
  INVALID_SECURITY_CODE: 'invalid_card',
  PAYER_ACTION_REQUIRED: 'payer_action_required',
  PAYER_ACCOUNT_RESTRICTED: 'risk_declined',
  DECLINED_BY_RISK_FRAUD_FILTERS: 'risk_declined',
  COMPLIANCE_VIOLATION: 'risk_declined',
  MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED: 'limit_exceeded',
  TRANSACTION_LIMIT_EXCEEDED: 'limit_exceeded',
  TRANSACTION_RECEIVING_LIMIT_EXCEEDED: 'limit_exceeded',
  PAYEE_ACCOUNT_RESTRICTED: 'provider_error',
  INTERNAL_SERVER_ERROR: 'provider_error',
  VOIDED: 'order_closed',
};

/** 422 capture issues after which the order stays APPROVED and the buyer may approve again with another funding source. */
export const RETRYABLE_CAPTURE_ISSUES: ReadonlySet<string> = new Set(['INSTRUMENT_DECLINED', 'PAYER_ACTION_REQUIRED']);

export function paypalDecline(providerCode: string, message?: string): Decline {
  return declineFrom(PAYPAL_DECLINES, providerCode, message);
}
