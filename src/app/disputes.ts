/**
 * Disputes, reversals and refunds made outside Paygate (issue 12): the app side, for every
 * provider. Connectors only translate the provider's events into the values below; finding
 * the payment, the state table, the money, the events and the idempotency are done here.
 *
 * ── CONTRACT FOR CONNECTORS (verifyNotification results; helpers D and E match this) ──
 *
 * Locating the payment (both kinds). Within the notifying account only, the app tries, in
 * order: `reference` = attempts.provider_reference (what Paygate sent: out_trade_no, PayPal
 * custom_id/invoice_id, Stripe metadata.paygate_reference); then `providerTransactionId`
 * against attempts.provider_transaction_id (Stripe pi_…, PayPal capture id, Alipay trade_no,
 * WeChat transaction_id), then against attempts.provider_order_id (PayPal order id, Stripe
 * cs_…). Give whichever the event carries (both when it carries both); nothing found →
 * NOTIFY.UNKNOWN_ORDER. An outside refund whose event has no reference passes reference ''.
 *
 * kind 'dispute' — one value per provider event about a dispute or a reversal:
 *   notificationId        the provider's event id, equal across its retries.
 *   providerDisputeId     stable across ALL events of the same dispute (row key with the
 *                         provider): Stripe du_/dp_, PayPal PP-D-…; a reversal without a
 *                         dispute uses the reversal's own id (PayPal: the reversed capture id).
 *   disputeKind           'dispute' (the buyer contests; may be won) | 'reversal' (the
 *                         provider took the money back; nothing to contest).
 *   status                'open' | 'won' | 'lost', from a table mapping EVERY provider status
 *                         (unknown → 'open'). A reversal is 'lost' (money gone).
 *   providerStatus        the provider's raw status (shown as provider_status).
 *   amount, currency      the disputed amount, integer minor units, in the payment's currency;
 *                         1 ≤ amount ≤ payment amount, else NOTIFY.AMOUNT_MISMATCH.
 *   reason                the provider's raw reason code, when it gives one.
 *   The app keeps one row per (provider, providerDisputeId); closed (won/lost) rows never
 *   change again, open → open only refreshes provider_status/reason/amount (no event).
 *   Events: a row seen for the first time → payment.disputed; a dispute reaching won/lost
 *   (also when first seen already closed) → dispute.closed. payments.disputed is 1 while any
 *   row is open or lost, 0 when every row is won. A lost dispute or a reversal does NOT
 *   change amount_refunded (that counts refunds only); it lowers what may still be refunded.
 *
 * kind 'refund' WITHOUT refundReference — a refund made outside Paygate (dashboard, portal):
 *   Set refundReference whenever the provider echoes Paygate's refund key (out_refund_no,
 *   out_request_no, Stripe metadata.paygate_refund): only then is it matched to our refund.
 *   providerRefundId      REQUIRED and stable (Stripe re_…, PayPal refund id, WeChat
 *                         refund_id, Alipay: the refund's out_request_no / id); the guard
 *                         against double counting is the unique (payment_id, provider_refund_id).
 *   amount, currency      THIS refund's amount (not the running total) in the payment's currency.
 *   status                pending | succeeded | failed (same refund state table as ours).
 *   providerTransactionId optional, for locating the payment (see above).
 *   refundedTotal         optional: the provider's cumulative refunded amount for the payment
 *                         when the event states it (Stripe charge.amount_refunded, PayPal
 *                         total_refunded_amount, Alipay refund_fee). When it exceeds what Paygate
 *                         has recorded and the connector has listRefunds, the app calls it and
 *                         adds the refunds it does not know. May also ride on a refund that HAS
 *                         a refundReference.
 *   The app matches providerRefundId against the payment's refunds first (ours included), so
 *   a repeat or a second event about a known refund changes nothing; otherwise it inserts a
 *   refunds row of origin 'provider' and, when succeeded, raises amount_refunded once and
 *   emits refund.succeeded (refund.failed when failed; no event while pending). Would
 *   amount_refunded exceed the payment amount → logged as an error, NOTIFY.AMOUNT_MISMATCH,
 *   nothing written.
 *
 * listRefunds (optional port member): every refund of the order, each with refundReference
 * when it was made through Paygate (same rule as above), amounts per refund.
 */
export {};
