/**
 * The outcome types shared by both halves of the connector port (types.ts: calls;
 * notification-types.ts: notifications), kept apart so that neither half imports the other.
 */
import type { ErrorCode } from '../domain/errors.js';

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

/** Provider state mapped onto what the payment state table understands. */
export type ProviderPaymentStatus =
  /** Provider has no record yet (Alipay: before the buyer scans) or still waits for the buyer. */
  | 'pending'
  /** Buyer engaged (scanned / authorizing) but not paid. */
  | 'processing'
  | 'succeeded'
  /** Closed or failed without payment. */
  | 'failed';

export type RefundStatus = 'pending' | 'succeeded' | 'failed';
