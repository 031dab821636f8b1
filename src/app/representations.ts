/** Rows → the public API objects of API.md. The one place that shapes what merchants see. */
import type { AttemptRow, DisputeRow, EventRow, PaymentRow, RefundRow, WebhookEndpointRow } from '../infra/db/schema.js';
import { metadataOf, riskDecisionOf, routingLogOf } from '../infra/db/repos/payments.js';
import { endpointEventsOf, eventDataOf } from '../infra/db/repos/webhooks.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function attemptToApi(a: AttemptRow) {
  return {
    id: a.id,
    provider: a.provider,
    provider_account_id: a.provider_account_id,
    status: a.status,
    provider_reference: a.provider_reference,
    provider_transaction_id: a.provider_transaction_id,
    // A create that failed (catalog code) or the provider's decline (failure code + the provider's own code).
    error: a.error_code ? { code: a.error_code, message: a.error_message } : a.failure_code ? { code: a.failure_code, message: a.failure_message ?? null, decline_code: a.decline_code ?? null } : null,
    /** Paygate's failure code (docs/failure-codes.md) of the last decline on this attempt, and its text. */
    failure_code: a.failure_code ?? null,
    failure_message: a.failure_message ?? null,
    created_at: iso(a.created_at),
  };
}

/**
 * `livemode`: whether the payment's attempts went to a live account (app/modes.ts livemodeOf); null before any attempt.
 * `disputes`: the payment's disputes and reversals, oldest first (callers that have none loaded pass nothing).
 */
export function paymentToApi(p: PaymentRow, attempts: AttemptRow[], publicUrl: string, livemode: boolean | null, disputes: readonly DisputeRow[] = []) {
  const current = attempts[attempts.length - 1];
  let nextAction: Record<string, string> | null = null;
  if (current && (p.status === 'requires_action' || p.status === 'processing')) {
    if (current.qr_code) {
      nextAction = { type: 'display_qr_code', qr_code: current.qr_code, checkout_url: `${publicUrl}/pay/${p.id}` };
    } else if (current.redirect_url) {
      nextAction = { type: 'redirect', url: current.redirect_url };
    }
  }
  return {
    id: p.id,
    object: 'payment' as const,
    livemode,
    status: p.status,
    amount: p.amount,
    currency: p.currency,
    method: p.method,
    provider: p.provider,
    merchant_order_id: p.merchant_order_id,
    description: p.description,
    amount_refunded: p.amount_refunded,
    /** The provider's fee and what reached the merchant, once a reconciliation run read them from the bill (docs/reconciliation.md); null before. */
    fee: p.fee === null || p.fee === undefined ? null : Number(p.fee),
    net: p.net === null || p.net === undefined ? null : Number(p.net),
    /** True while a dispute is open or one was lost / the provider reversed the payment (app/disputes.ts). */
    disputed: p.disputed === 1,
    disputes: disputes.map(disputeToApi),
    return_url: p.return_url,
    payer_country: p.payer_country ?? null,
    /** Risk inputs as the merchant gave them (docs/risk.md); null when none were. */
    customer: p.customer_id || p.customer_email || p.customer_phone ? { id: p.customer_id ?? null, email: p.customer_email ?? null, phone: p.customer_phone ?? null } : null,
    client_ip: p.client_ip ?? null,
    device_id: p.device_id ?? null,
    /** The risk decision before the provider call (docs/risk.md); null for payments made before risk control decided them. */
    risk: riskDecisionOf(p),
    /** Why the payment failed, or the last decline while the buyer may still pay (docs/failure-codes.md). */
    failure_code: p.failure_code ?? null,
    failure_message: p.failure_message ?? null,
    next_action: nextAction,
    attempts: attempts.map(attemptToApi),
    /** Accounts routing skipped or abandoned before the current attempt, and why. */
    routing: routingLogOf(p),
    created_at: iso(p.created_at),
    updated_at: iso(p.updated_at),
    expires_at: iso(p.expires_at),
    metadata: metadataOf(p.metadata),
  };
}

export function refundToApi(r: RefundRow) {
  return {
    id: r.id,
    object: 'refund' as const,
    payment_id: r.payment_id,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    reason: r.reason,
    failure_reason: r.failure_reason,
    /** 'paygate' (asked through the API) or 'provider' (made in the provider's dashboard or portal). */
    origin: r.origin === 'provider' ? ('provider' as const) : ('paygate' as const),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

export function disputeToApi(d: DisputeRow) {
  return {
    id: d.id,
    object: 'dispute' as const,
    payment_id: d.payment_id,
    /** 'dispute' (the buyer contests; may be won) or 'reversal' (the provider took the money back). */
    kind: d.kind,
    /** open, won or lost. */
    status: d.status,
    amount: d.amount,
    currency: d.currency,
    reason: d.reason,
    provider_status: d.provider_status,
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
    closed_at: iso(d.closed_at),
  };
}

export function eventToApi(e: EventRow) {
  return { id: e.id, object: 'event' as const, type: e.type, created_at: iso(e.created_at), data: eventDataOf(e.data) };
}

export function endpointToApi(w: WebhookEndpointRow, secret?: string) {
  return {
    id: w.id,
    object: 'webhook_endpoint' as const,
    url: w.url,
    events: endpointEventsOf(w),
    created_at: iso(w.created_at),
    ...(secret !== undefined ? { secret } : {}),
  };
}
