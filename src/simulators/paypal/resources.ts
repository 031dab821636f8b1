// Orders, captures and refunds as PayPal renders them, and the state changes on them.
import type { SimContext } from './context.js';
import { fromMinor, newPayerId, newResourceId } from './format.js';
import type { CaptureRow, DisputeRow, OrderRow, RefundRow, ReversalRow } from './store.js';

export function money(currency: string, minor: number) {
  return { currency_code: currency, value: fromMinor(minor, currency) };
}

export function captureView(sim: SimContext, c: CaptureRow) {
  return {
    id: c.id, status: c.status, amount: money(c.currency, c.amount_minor), final_capture: true,
    ...(c.custom_id ? { custom_id: c.custom_id } : {}), ...(c.invoice_id ? { invoice_id: c.invoice_id } : {}),
    ...statusDetails(sim, c),
    supplementary_data: { related_ids: { order_id: c.order_id } },
    create_time: new Date(c.created_at).toISOString(), update_time: new Date(c.created_at).toISOString(),
    links: [
      { href: `${sim.publicBaseUrl()}/v2/payments/captures/${c.id}`, rel: 'self', method: 'GET' },
      { href: `${sim.publicBaseUrl()}/v2/payments/captures/${c.id}/refund`, rel: 'refund', method: 'POST' },
      { href: `${sim.publicBaseUrl()}/v2/checkout/orders/${c.order_id}`, rel: 'up', method: 'GET' },
    ],
  };
}

/** Why a capture is not plainly COMPLETED (PayPal's capture status_details.reason). */
function statusDetails(sim: SimContext, c: CaptureRow): { status_details?: { reason: string } } {
  if (c.status === 'DECLINED') return { status_details: { reason: 'DECLINED_BY_RISK_FRAUD_FILTERS' } };
  if (sim.store.disputesOf(c.id).some((d) => d.status !== 'RESOLVED')) return { status_details: { reason: 'BUYER_COMPLAINT' } };
  if (sim.store.reversalsOf(c.id).length > 0) return { status_details: { reason: 'CHARGEBACK' } };
  return {};
}

/** seller_payable_breakdown of a refund: what it took from the merchant, and the capture's refunds up to and including it. */
function payable(currency: string, minor: number, totalRefunded: number) {
  return { gross_amount: money(currency, minor), paypal_fee: money(currency, 0), net_amount: money(currency, minor), total_refunded_amount: money(currency, totalRefunded) };
}

export function refundView(sim: SimContext, r: RefundRow) {
  const earlier = sim.store.refundsOf(r.capture_id);
  const upTo = earlier.slice(0, earlier.findIndex((x) => x.id === r.id) + 1).reduce((n, x) => n + x.amount_minor, 0);
  return {
    id: r.id, status: r.status, amount: money(r.currency, r.amount_minor), seller_payable_breakdown: payable(r.currency, r.amount_minor, upTo || r.amount_minor),
    ...(r.custom_id ? { custom_id: r.custom_id } : {}), ...(r.invoice_id ? { invoice_id: r.invoice_id } : {}), ...(r.note_to_payer ? { note_to_payer: r.note_to_payer } : {}),
    create_time: new Date(r.created_at).toISOString(), update_time: new Date(r.created_at).toISOString(),
    links: [
      { href: `${sim.publicBaseUrl()}/v2/payments/refunds/${r.id}`, rel: 'self', method: 'GET' },
      { href: `${sim.publicBaseUrl()}/v2/payments/captures/${r.capture_id}`, rel: 'up', method: 'GET' },
    ],
  };
}

/** A reversal is refund-shaped at PayPal (resource_type "refund", `up` → the capture); it is not one of the merchant's refunds. */
export function reversalView(sim: SimContext, r: ReversalRow) {
  const at = new Date(r.created_at).toISOString();
  return {
    id: r.id, status: 'COMPLETED', amount: money(r.currency, r.amount_minor), note_to_payer: 'Payment reversed',
    seller_payable_breakdown: { gross_amount: money(r.currency, r.amount_minor), paypal_fee: money(r.currency, 0), net_amount: money(r.currency, r.amount_minor) },
    status_details: { reason: r.reason }, create_time: at, update_time: at,
    links: [
      { href: `${sim.publicBaseUrl()}/v2/payments/refunds/${r.id}`, rel: 'self', method: 'GET' },
      { href: `${sim.publicBaseUrl()}/v2/payments/captures/${r.capture_id}`, rel: 'up', method: 'GET' },
    ],
  };
}

/** A dispute as the Customer Disputes API v1 and the CUSTOMER.DISPUTE.* webhooks show it. */
export function disputeView(sim: SimContext, d: DisputeRow) {
  const c = sim.store.getCapture(d.capture_id);
  const tx = c ? {
    seller_transaction_id: c.id, create_time: new Date(c.created_at).toISOString(), transaction_status: c.status, gross_amount: money(c.currency, c.amount_minor),
    ...(c.invoice_id ? { invoice_number: c.invoice_id } : {}), ...(c.custom_id ? { custom: c.custom_id } : {}),
    buyer: { name: 'Sandbox Buyer' }, seller: { merchant_id: c.client_id.slice(1, 14).toUpperCase(), name: 'Sandbox Store' }, seller_protection_eligible: true,
  } : undefined;
  return {
    dispute_id: d.id, create_time: new Date(d.created_at).toISOString(), update_time: new Date(d.updated_at).toISOString(),
    disputed_transactions: tx ? [tx] : [], reason: d.reason, status: d.status, dispute_amount: money(d.currency, d.amount_minor),
    ...(d.outcome ? { dispute_outcome: { outcome_code: d.outcome, ...(d.outcome === 'RESOLVED_BUYER_FAVOUR' || d.outcome === 'ACCEPTED' ? { amount_refunded: money(d.currency, d.amount_minor) } : {}) } } : {}),
    dispute_life_cycle_stage: d.stage, dispute_channel: d.stage === 'CHARGEBACK' ? 'EXTERNAL' : 'INTERNAL',
    links: [{ href: `${sim.publicBaseUrl()}/v1/customer/disputes/${d.id}`, rel: 'self', method: 'GET' }],
  };
}

export function approveUrl(sim: SimContext, o: OrderRow): string {
  return `${sim.publicBaseUrl()}/checkoutnow?token=${o.id}`;
}

/** purchase_units[].payments: the captures and every refund of them (reversals are not refunds). */
function paymentsOf(sim: SimContext, captures: CaptureRow[]) {
  const refunds = captures.flatMap((c) => sim.store.refundsOf(c.id));
  return { captures: captures.map((c) => captureView(sim, c)), ...(refunds.length > 0 ? { refunds: refunds.map((r) => refundView(sim, r)) } : {}) };
}

export function orderView(sim: SimContext, o: OrderRow) {
  const captures = sim.store.capturesOf(o.id);
  const unit = {
    reference_id: o.reference_id ?? 'default', amount: money(o.currency, o.amount_minor),
    ...(o.custom_id ? { custom_id: o.custom_id } : {}), ...(o.invoice_id ? { invoice_id: o.invoice_id } : {}), ...(o.description ? { description: o.description } : {}),
    ...(captures.length > 0 ? { payments: paymentsOf(sim, captures) } : {}),
  };
  // An order whose capture declined the instrument offers its approve link again (restart).
  const open = approvable(o);
  return {
    id: o.id, intent: 'CAPTURE', status: o.status, purchase_units: [unit],
    ...(o.payer_id ? { payer: { payer_id: o.payer_id, email_address: `buyer-${o.payer_id.toLowerCase()}@sandbox.example`, name: { given_name: 'Sandbox', surname: 'Buyer' } } } : {}),
    create_time: new Date(o.created_at).toISOString(), update_time: new Date(o.updated_at).toISOString(),
    links: [
      { href: `${sim.publicBaseUrl()}/v2/checkout/orders/${o.id}`, rel: 'self', method: 'GET' },
      ...(open ? [{ href: approveUrl(sim, o), rel: o.uses_payment_source ? 'payer-action' : 'approve', method: 'GET' }] : []),
      ...(o.status === 'APPROVED' ? [{ href: `${sim.publicBaseUrl()}/v2/checkout/orders/${o.id}/capture`, rel: 'capture', method: 'POST' }] : []),
    ],
  };
}

/**
 * How the funding source the buyer approved with fares at capture: taken; `declined` (the
 * capture is DECLINED and the order is over); `instrument_declined` (the capture answers 422
 * INSTRUMENT_DECLINED and the order stays APPROVED for the buyer to approve again).
 * Stored in orders.decline as 0 / 1 / 2.
 */
export type Funding = 'ok' | 'declined' | 'instrument_declined';
const FUNDING_CODE: Record<Funding, number> = { ok: 0, declined: 1, instrument_declined: 2 };

/** Approved with a funding source the capture refuses with 422 INSTRUMENT_DECLINED (the order stays APPROVED). */
export const instrumentDeclines = (o: OrderRow): boolean => o.decline === FUNDING_CODE.instrument_declined;

/** Open for the buyer: not approved yet, or approved with an instrument the capture declined (PayPal's restart). */
export function approvable(o: OrderRow): boolean {
  return o.status === 'CREATED' || o.status === 'PAYER_ACTION_REQUIRED' || (o.status === 'APPROVED' && instrumentDeclines(o));
}

/** The buyer approves (again, after an instrument decline) with the given funding source. */
export function approve(sim: SimContext, o: OrderRow, funding: Funding): OrderRow {
  const now = sim.now();
  sim.store.transaction(() => {
    sim.store.updateOrder(o.id, 'APPROVED', now, { decline: FUNDING_CODE[funding], payer_id: o.payer_id ?? newPayerId() });
    const after = sim.store.getOrder(o.id);
    if (after) sim.notifier.emit(o.client_id, { event_type: 'CHECKOUT.ORDER.APPROVED', resource_type: 'checkout-order', summary: 'An order has been approved by buyer', resource: orderView(sim, after) });
  });
  const after = sim.store.getOrder(o.id);
  if (!after) throw new Error(`order ${o.id} vanished`);
  return after;
}

/** Capture an APPROVED order; the caller holds the store transaction. */
export function captureOrder(sim: SimContext, o: OrderRow): CaptureRow {
  const now = sim.now();
  const c: CaptureRow = {
    id: newResourceId(), order_id: o.id, client_id: o.client_id, status: o.decline ? 'DECLINED' : 'COMPLETED', currency: o.currency,
    amount_minor: o.amount_minor, refunded_minor: 0, custom_id: o.custom_id, invoice_id: o.invoice_id, created_at: now,
  };
  sim.store.insertCapture(c);
  sim.store.updateOrder(o.id, 'COMPLETED', now);
  sim.notifier.emit(o.client_id, {
    event_type: o.decline ? 'PAYMENT.CAPTURE.DENIED' : 'PAYMENT.CAPTURE.COMPLETED', resource_type: 'capture',
    summary: o.decline ? `Payment denied for ${fromMinor(c.amount_minor, c.currency)} ${c.currency}` : `Payment completed for ${fromMinor(c.amount_minor, c.currency)} ${c.currency}`,
    resource: captureView(sim, c),
  });
  return c;
}
