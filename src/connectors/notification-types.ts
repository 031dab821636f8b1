/**
 * The connector port, notification half: what a provider pushes (raw), what verification
 * makes of it, the answer the provider expects, and what of it may be kept in clear. Part of
 * the port in types.ts, which re-exports everything here.
 */
import type { ErrorCode } from '../domain/errors.js';
import type { Decline } from '../domain/failure-codes.js';
import type { ConnectorFailure, ProviderPaymentStatus, RefundStatus } from './outcomes.js';

export interface InboundNotification {
  headers: Record<string, string | string[] | undefined>;
  /** Raw body bytes decoded as UTF-8, exactly as received. */
  rawBody: string;
  contentType: string;
}

export type VerifiedNotification =
  | {
      ok: true;
      kind: 'payment';
      /** Provider's id for this notification; equal across provider retries. */
      notificationId: string;
      reference: string;
      status: ProviderPaymentStatus;
      providerStatus: string;
      amount: number;
      currency: string;
      providerTransactionId?: string;
      /** The buyer approved but the money is taken only by a capture call (PayPal CHECKOUT.ORDER.APPROVED). */
      requiresCapture?: true;
      /** The decline the event reports (as QueryResult.decline): terminal only with status 'failed'. */
      decline?: Decline;
    }
  | {
      ok: true;
      kind: 'refund';
      notificationId: string;
      /** The payment's provider-side order id (out_trade_no / orderId). */
      reference: string;
      /**
       * Paygate's per-refund idempotency key sent to the provider (out_refund_no / out_request_no).
       * Absent for a refund made outside Paygate (the provider's dashboard or merchant portal):
       * providerRefundId is then required, and the app records it as a refund of origin 'provider'.
       */
      refundReference?: string;
      status: RefundStatus;
      providerStatus: string;
      /** Refunded amount in minor units, checked against the refund by the caller. */
      amount: number;
      currency: string;
      providerRefundId?: string;
      /** For a refund made outside Paygate whose event lacks the reference: the paid transaction (attempts.provider_transaction_id or provider_order_id); reference is then ''. */
      providerTransactionId?: string;
      /** The provider's cumulative refunded amount for the payment, when the event states it: above what Paygate knows, the app calls listRefunds. */
      refundedTotal?: number;
    }
  | {
      ok: true;
      kind: 'dispute';
      notificationId: string;
      /** The payment's provider-side order id, when the event carries it; else providerTransactionId locates the attempt. */
      reference?: string;
      /** The paid transaction the dispute is about (Stripe PaymentIntent / charge, PayPal capture id). */
      providerTransactionId?: string;
      /** Stable per dispute (Stripe du_/dp_, PayPal PP-D-…); for a reversal without a dispute, the reversal's own id. */
      providerDisputeId: string;
      /** 'dispute': the buyer contests, the merchant may win; 'reversal': the provider took the money back. */
      disputeKind: 'dispute' | 'reversal';
      status: DisputeStatus;
      providerStatus: string;
      /** Disputed amount in minor units. */
      amount: number;
      currency: string;
      reason?: string;
    }
  | {
      /** Authentic, but about nothing Paygate acts on (e.g. a Stripe event type it doesn't use): acknowledge so the provider stops retrying. */
      ok: true;
      kind: 'ignored';
      notificationId: string;
      eventType: string;
    }
  | { ok: false; code: ErrorCode; message: string };

/** A dispute as Paygate tracks it: open until the provider decides; won (money kept) or lost (money gone). */
export type DisputeStatus = 'open' | 'won' | 'lost';

/** One refund as the provider lists it (refunds made in Paygate and outside it alike). */
export interface ProviderRefund {
  providerRefundId: string;
  /** Paygate's refund reference when the refund was made through Paygate; absent for one made outside. */
  refundReference?: string;
  amount: number;
  currency: string;
  status: RefundStatus;
  providerStatus: string;
}

/** nextCursor: the provider has more (Stripe has_more); the app asks again with it as `cursor`. */
export type ListRefundsResult = { ok: true; refunds: ProviderRefund[]; nextCursor?: string } | ConnectorFailure;

export interface NotificationAck {
  status: number;
  contentType: string;
  body: string;
}

/** Kinds of buyer identifier indexed (as a keyed hash, never in clear) so an erase request can find the rows that carried them. */
export type BuyerIdentifierKind = 'provider_buyer_id' | 'email' | 'customer_id';

/**
 * What of a provider's notification may be stored or logged in clear. Masking is by
 * allow-list: a value is kept only when its path is in `keep` and it does not look like an
 * e-mail, a card number or a secret; everything else — a field the provider adds tomorrow
 * included — is masked. Paths: form field names, or dotted JSON paths with `[]` for any
 * array element (`resource.purchase_units[].amount.value`).
 */
export interface NotificationPrivacy<C> {
  readonly format: 'form' | 'json';
  readonly keep: readonly string[];
  /** Personal fields the provider is known to send (masked because they are not kept; named for tests and docs). */
  readonly personal: readonly string[];
  /** Signatures, client secrets, certificates and ciphertexts the provider is known to send (masked likewise). */
  readonly secret: readonly string[];
  /** Where the buyer's identifiers are, read (before masking) from verified notifications only. */
  readonly identifiers: readonly { path: string; kind: BuyerIdentifierKind }[];
  /** Request headers carrying signatures: redacted from logs. */
  readonly secretHeaders: readonly string[];
  /** For bodies partly encrypted (WeChat Pay `resource`): the document with the plaintext added, so it is masked and indexed like the rest; undefined when it does not open. */
  open?(credentials: C, document: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined;
}
