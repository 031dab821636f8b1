/**
 * The connector port. Connectors are pure: they build HTTP requests, parse HTTP responses
 * and verify notifications. The transport (app/infra) performs the I/O, owns timeouts and
 * retries, and hands the raw response back to `parse`. Nothing here touches the network,
 * the clock (callers pass `now`) or the database.
 */
import type { ErrorCode } from '../domain/errors.js';

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
}

export interface CreateInput {
  /** Paygate's provider-side order id (Alipay out_trade_no); stable across retries. */
  reference: string;
  amount: number;
  currency: string;
  description: string;
  expiresAt: Date;
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
    }
  | ConnectorFailure;

export type CloseResult =
  | { ok: true; outcome: 'closed' | 'not_closable' } // not_closable: not waiting for payment (paid or closed); query to learn which
  | ConnectorFailure;

export interface RefundInput {
  reference: string;
  /** Per-refund idempotency key at the provider (Alipay out_request_no). */
  refundReference: string;
  amount: number;
  currency: string;
  reason?: string;
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
    }
  | {
      ok: true;
      kind: 'refund';
      notificationId: string;
      /** The payment's provider-side order id (out_trade_no / orderId). */
      reference: string;
      /** Paygate's per-refund idempotency key sent to the provider (out_refund_no / out_request_no). */
      refundReference: string;
      status: RefundStatus;
      providerStatus: string;
      /** Refunded amount in minor units, checked against the refund by the caller. */
      amount: number;
      currency: string;
      providerRefundId?: string;
    }
  | { ok: false; code: ErrorCode; message: string };

export interface NotificationAck {
  status: number;
  contentType: string;
  body: string;
}

export interface Connector<C> {
  readonly provider: ProviderName;
  /** Validate and narrow decrypted credentials; throws PaygateError PROVIDER_ACCOUNT.INVALID_CREDENTIALS. */
  parseCredentials(raw: unknown): C;
  /** Currencies the provider settles for this method. */
  readonly currencies: readonly string[];
  create: { build(ctx: ConnectorContext<C>, input: CreateInput): WireRequest; parse(ctx: ConnectorContext<C>, input: CreateInput, res: WireResponse): CreateResult };
  query: { build(ctx: ConnectorContext<C>, reference: string): WireRequest; parse(ctx: ConnectorContext<C>, reference: string, currency: string, res: WireResponse): QueryResult };
  close: { build(ctx: ConnectorContext<C>, reference: string): WireRequest; parse(ctx: ConnectorContext<C>, reference: string, res: WireResponse): CloseResult };
  refund: { build(ctx: ConnectorContext<C>, input: RefundInput): WireRequest; parse(ctx: ConnectorContext<C>, input: RefundInput, res: WireResponse): RefundResult };
  refundQuery: { build(ctx: ConnectorContext<C>, input: RefundInput): WireRequest; parse(ctx: ConnectorContext<C>, input: RefundInput, res: WireResponse): RefundResult };
  /** Verify signature and account id over the raw body; amount is checked by the caller against the attempt. */
  verifyNotification(ctx: ConnectorContext<C>, inbound: InboundNotification): VerifiedNotification;
  /** The answer the provider expects: success tells it to stop retrying. */
  notificationAck(accepted: boolean): NotificationAck;
}
