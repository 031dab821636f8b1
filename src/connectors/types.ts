/**
 * The connector port. Connectors are pure: they build HTTP requests, parse HTTP responses
 * and verify notifications. The transport (app/infra) performs the I/O, owns timeouts and
 * retries, and hands the raw response back to `parse`. Nothing here touches the network,
 * the clock (callers pass `now`) or the database.
 */
import type { ErrorCode } from '../domain/errors.js';
import type { Decline } from '../domain/failure-codes.js';
import type { AmountLimits } from './limits.js';
import type { InboundNotification, ListRefundsResult, NotificationAck, NotificationPrivacy, VerifiedNotification } from './notification-types.js';
import type { ConnectorFailure, ProviderPaymentStatus, RefundStatus } from './outcomes.js';

/** The outcome types both halves of the port use live in outcomes.ts (so neither half imports the other back). */
export type { ConnectorFailure, ProviderPaymentStatus, RefundStatus } from './outcomes.js';

/** The notification half of the port lives in notification-types.ts. */
export type { BuyerIdentifierKind, DisputeStatus, InboundNotification, ListRefundsResult, NotificationAck, NotificationPrivacy, ProviderRefund, VerifiedNotification } from './notification-types.js';

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
      /**
       * The provider's last decline (connector's declines.ts). With a status other than
       * 'failed' the buyer may still pay in the same session: recorded, not terminal.
       */
      decline?: Decline;
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

export type RefundResult =
  | { ok: true; status: RefundStatus; providerRefundId?: string; failureReason?: string }
  | ConnectorFailure;


/** OAuth2 client-credentials token (PayPal). */
export type AuthResult = { ok: true; token: string; expiresAt: Date } | ConnectorFailure;

export interface CaptureInput {
  reference: string;
  providerOrderId: string;
  amount: number;
  currency: string;
  /**
   * The approval round (0 for the buyer's first approval). A provider that caches answers by
   * request id (PayPal-Request-Id) would replay a declined capture to every later try, so each
   * new approval after a retryable decline is captured under a key of its own; within one round
   * every caller uses the same key and gets the same capture.
   */
  round?: number;
}

/** providerTransactionId is the capture id (what refunds name). */
export type CaptureResult = { ok: true; status: ProviderPaymentStatus; providerStatus: string; providerTransactionId?: string; decline?: Decline } | ConnectorFailure;

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
  /**
   * Every build never throws (docs/adr/0008-connector-rules.md): input it cannot send (something
   * amountProblem missed, a missing id, no token) comes back as a non-retryable failure, and nothing is sent.
   */
  create: { build(ctx: ConnectorContext<C>, input: CreateInput): WireRequest | ConnectorFailure; parse(ctx: ConnectorContext<C>, input: CreateInput, res: WireResponse): CreateResult };
  /** `order` carries the provider's own order id for providers that query by it (PayPal); callers pass it when they have it. */
  query: { build(ctx: ConnectorContext<C>, reference: string, order?: CloseOrder): WireRequest | ConnectorFailure; parse(ctx: ConnectorContext<C>, reference: string, currency: string, res: WireResponse, order?: CloseOrder): QueryResult };
  /** `order` carries what some providers need to close (UnionPay consume undo: txnAmt, origQryId); callers pass it when they have it. */
  close: { build(ctx: ConnectorContext<C>, reference: string, order?: CloseOrder): WireRequest | ConnectorFailure; parse(ctx: ConnectorContext<C>, reference: string, res: WireResponse, order?: CloseOrder): CloseResult };
  refund: { build(ctx: ConnectorContext<C>, input: RefundInput): WireRequest | ConnectorFailure; parse(ctx: ConnectorContext<C>, input: RefundInput, res: WireResponse): RefundResult };
  refundQuery: { build(ctx: ConnectorContext<C>, input: RefundInput): WireRequest | ConnectorFailure; parse(ctx: ConnectorContext<C>, input: RefundInput, res: WireResponse): RefundResult };
  /** Verify signature and account id over the raw body; amount is checked by the caller against the attempt. */
  verifyNotification(ctx: ConnectorContext<C>, inbound: InboundNotification, material?: WireResponse): VerifiedNotification;
  /** Providers needing an OAuth2 token on every call: the app caches it per account, refreshes before expiry and once on a 401. */
  auth?: { build(ctx: ConnectorContext<C>): WireRequest | ConnectorFailure; parse(ctx: ConnectorContext<C>, res: WireResponse): AuthResult };
  /** Providers whose approval does not take the money (PayPal intent CAPTURE). */
  capture?: { build(ctx: ConnectorContext<C>, input: CaptureInput): WireRequest | ConnectorFailure; parse(ctx: ConnectorContext<C>, input: CaptureInput, res: WireResponse): CaptureResult };
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

/** The notification half of a connector, which each connector's notify.ts declares in one piece. */
export type ConnectorNotifications<C> = Pick<Connector<C>, 'verifyNotification' | 'notificationMaterial' | 'notificationAck' | 'notificationPrivacy'>;
