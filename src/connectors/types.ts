/**
 * The connector port. Connectors are pure: they build HTTP requests, parse HTTP responses
 * and verify notifications. The transport (app/infra) performs the I/O, owns timeouts and
 * retries, and hands the raw response back to `parse`. Nothing here touches the network,
 * the clock (callers pass `now`) or the database.
 */
import type { ErrorCode } from '../domain/errors.js';
import type { AmountLimits } from './limits.js';

export type ProviderName = 'alipay' | 'wechatpay' | 'unionpay' | 'paypal' | 'stripe';

export interface WireRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  /** Raw body text exactly as received: signature checks run over these bytes. */
  body: string;
}

/** A failure answer from a connector: never thrown for provider business outcomes. */
export interface ConnectorFailure {
  ok: false;
  /** Catalog code (CONNECTOR.*). */
  code: ErrorCode;
  /** True when the same request may be sent again (same idempotency key). */
  retryable: boolean;
  /**
   * Set only when the provider did not answer: 'unsent' — the request never left Paygate
   * (breaker open, bulkhead full, connection refused), so nothing exists at the provider;
   * 'unanswered' — it may have reached the provider and been acted on (timeout, connection
   * lost after sending, a gateway's 502/504), so it must be repeated with the same
   * provider-side key, never replaced by a new one. Absent: the provider answered this failure.
   */
  delivery?: 'unsent' | 'unanswered';
  /** Provider's own code, e.g. "40004/ACQ.SYSTEM_ERROR". */
  providerCode?: string;
  message: string;
}

export interface ConnectorContext<C> {
  credentials: C;
  /** Provider origin (production) or simulator prefix, without a trailing slash. */
  baseUrl: string;
  /** URL the provider should notify; exactly as given, no extra query parameters. */
  notifyUrl: string;
  now: Date;
  /** OAuth2 bearer token for connectors with `auth` (PayPal); the app fetches and caches it. */
  accessToken?: string;
}

export interface CreateInput {
  /** Paygate's provider-side order id (Alipay out_trade_no); stable across retries. */
  reference: string;
  amount: number;
  currency: string;
  description: string;
  expiresAt: Date;
  /** Where redirect providers send the buyer back (Paygate's /pay/{payment_id}/return); filled by the app. */
  returnUrl?: string;
}

export type CreateResult =
  | { ok: true; reference: string; qrCode?: string; redirectUrl?: string; providerOrderId?: string }
  | ConnectorFailure;

/** Provider state mapped onto what the payment state table understands. */
export type ProviderPaymentStatus =
  /** Provider has no record yet (Alipay: before the buyer scans) or still waits for the buyer. */
  | 'pending'
  /** Buyer engaged (scanned / authorizing) but not paid. */
  | 'processing'
  | 'succeeded'
  /** Closed or failed without payment. */
  | 'failed';

export type QueryResult =
  | {
      ok: true;
      status: ProviderPaymentStatus;
      /** Amount the provider says was paid, in minor units, when it reports one. */
      amount?: number;
      providerTransactionId?: string;
      /** Raw provider status for logs and events. */
      providerStatus: string;
      /** The buyer approved but the money is taken only by a capture call (PayPal order APPROVED). */
      requiresCapture?: true;
    }
  | ConnectorFailure;

export type CloseResult =
  | { ok: true; outcome: 'closed' | 'not_closable' } // not_closable: not waiting for payment (paid or closed); query to learn which
  | ConnectorFailure;

/** The order being closed, for providers whose close names more than the reference. */
export interface CloseOrder {
  amount: number;
  currency: string;
  /** attempts.provider_transaction_id when known (UnionPay queryId of the consume). */
  providerTransactionId?: string;
  /** attempts.provider_order_id: the id the provider gave the order at create (PayPal order id). */
  providerOrderId?: string;
}

export interface RefundInput {
  reference: string;
  /** Per-refund idempotency key at the provider (Alipay out_request_no). */
  refundReference: string;
  amount: number;
  currency: string;
  reason?: string;
  /** The paid trade's provider id (attempts.provider_transaction_id; UnionPay origQryId), when known. */
  providerTransactionId?: string;
  /** The refunded payment's amount in minor units (WeChat Pay requires the order total, amount.total, with every refund). */
  paymentAmount?: number;
}

export type RefundStatus = 'pending' | 'succeeded' | 'failed';

export type RefundResult =
  | { ok: true; status: RefundStatus; providerRefundId?: string; failureReason?: string }
  | ConnectorFailure;

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

/** OAuth2 client-credentials token (PayPal). */
export type AuthResult = { ok: true; token: string; expiresAt: Date } | ConnectorFailure;

export interface CaptureInput {
  reference: string;
  providerOrderId: string;
  amount: number;
  currency: string;
}

/** providerTransactionId is the capture id (what refunds name). */
export type CaptureResult = { ok: true; status: ProviderPaymentStatus; providerStatus: string; providerTransactionId?: string } | ConnectorFailure;

/** What verification needs fetched first (PayPal: the signing certificate), checked against pinned hosts before any request. */
export type NotificationMaterialRequest = { ok: true; cacheKey: string; request: WireRequest } | { ok: false; code: ErrorCode; message: string };

export interface Connector<C> {
  readonly provider: ProviderName;
  /** Validate and narrow decrypted credentials; throws PaygateError PROVIDER_ACCOUNT.INVALID_CREDENTIALS. */
  parseCredentials(raw: unknown): C;
  /** Currencies the provider settles for this method. */
  readonly currencies: readonly string[];
  /**
   * Delays (seconds) of the first status polls for an open attempt, when the provider
   * prescribes its own (UnionPay: 1, 2, 4, 8, 16, 32 s); afterwards the shared back-off applies.
   */
  readonly pollDelaysS?: readonly number[];
  /** What the provider can charge per currency (min/max minor units, decimal digits); its keys are `currencies`. Declared in the connector's limits.ts. */
  readonly limits: AmountLimits;
  /**
   * Why `amount` cannot be sent in `currency` under `limits` (out of range, or not expressible:
   * Stripe KWD needs a multiple of 10), or undefined when fine. The app checks it before
   * anything is stored, so a create the connector would refuse leaves nothing behind.
   */
  amountProblem(amount: number, currency: string): string | undefined;
  /** build never throws: input it cannot send (something amountProblem missed) comes back as a non-retryable failure, and nothing is sent. */
  create: { build(ctx: ConnectorContext<C>, input: CreateInput): WireRequest | ConnectorFailure; parse(ctx: ConnectorContext<C>, input: CreateInput, res: WireResponse): CreateResult };
  /** `order` carries the provider's own order id for providers that query by it (PayPal); callers pass it when they have it. */
  query: { build(ctx: ConnectorContext<C>, reference: string, order?: CloseOrder): WireRequest; parse(ctx: ConnectorContext<C>, reference: string, currency: string, res: WireResponse, order?: CloseOrder): QueryResult };
  /** `order` carries what some providers need to close (UnionPay consume undo: txnAmt, origQryId); callers pass it when they have it. */
  close: { build(ctx: ConnectorContext<C>, reference: string, order?: CloseOrder): WireRequest; parse(ctx: ConnectorContext<C>, reference: string, res: WireResponse, order?: CloseOrder): CloseResult };
  refund: { build(ctx: ConnectorContext<C>, input: RefundInput): WireRequest; parse(ctx: ConnectorContext<C>, input: RefundInput, res: WireResponse): RefundResult };
  refundQuery: { build(ctx: ConnectorContext<C>, input: RefundInput): WireRequest; parse(ctx: ConnectorContext<C>, input: RefundInput, res: WireResponse): RefundResult };
  /** Verify signature and account id over the raw body; amount is checked by the caller against the attempt. */
  verifyNotification(ctx: ConnectorContext<C>, inbound: InboundNotification, material?: WireResponse): VerifiedNotification;
  /** Providers needing an OAuth2 token on every call: the app caches it per account, refreshes before expiry and once on a 401. */
  auth?: { build(ctx: ConnectorContext<C>): WireRequest; parse(ctx: ConnectorContext<C>, res: WireResponse): AuthResult };
  /** Providers whose approval does not take the money (PayPal intent CAPTURE). */
  capture?: { build(ctx: ConnectorContext<C>, input: CaptureInput): WireRequest; parse(ctx: ConnectorContext<C>, input: CaptureInput, res: WireResponse): CaptureResult };
  /**
   * Every refund the provider holds for a paid order, however it was made (providers whose
   * dashboards or portals refund outside the API: Stripe, PayPal, WeChat Pay). Called when a
   * notification or query says more was refunded than Paygate knows of; the app adds the
   * unknown ones as refunds of origin 'provider', matching by refundReference or providerRefundId so
   * none is counted twice.
   */
  listRefunds?: { build(ctx: ConnectorContext<C>, order: CloseOrder & { reference: string }, cursor?: string): WireRequest | ConnectorFailure; parse(ctx: ConnectorContext<C>, order: CloseOrder & { reference: string }, res: WireResponse): ListRefundsResult };
  /** The request for what verifyNotification needs (a certificate; Alipay: the refund query of a portal refund), a rejection without any request, or undefined when this notification needs nothing. */
  notificationMaterial?(ctx: ConnectorContext<C>, inbound: InboundNotification): NotificationMaterialRequest | undefined;
  /** The answer the provider expects: success tells it to stop retrying. */
  notificationAck(accepted: boolean): NotificationAck;
  /** What of its notifications may be kept in clear, and where its buyer identifiers are (sensitive.ts in the connector's folder). */
  readonly notificationPrivacy: NotificationPrivacy<C>;
}
