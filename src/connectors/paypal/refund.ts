/**
 * POST /v2/payments/captures/{capture_id}/refund and GET /v2/payments/refunds/{id}.
 * The capture id is attempts.provider_transaction_id (set when the capture was observed).
 */
import { formatMinor } from '../../domain/money.js';
import { unsendable } from '../common/failure.js';
import type { CloseOrder, ConnectorFailure, ListRefundsResult, ProviderRefund, RefundInput, RefundResult, RefundStatus, WireRequest, WireResponse } from '../types.js';
import { enc, postRequest, getRequest, requestId, type PaypalContext, type PaypalPort } from './request.js';
import { amountOf, bad, isObject, obj, readReply, str } from './response.js';

/** custom_id of a refund: both Paygate references, so a PAYMENT.CAPTURE.REFUNDED webhook names its refund. */
export function refundCustomId(reference: string, refundReference: string): string {
  return `${reference}:${refundReference}`;
}

export function buildRefund(ctx: PaypalContext, input: RefundInput): WireRequest | ConnectorFailure {
  if (!input.providerTransactionId) return unsendable('INTERNAL.ERROR', 'paypal refund: the capture id (RefundInput.providerTransactionId) is required');
  return postRequest(ctx, `/v2/payments/captures/${enc(input.providerTransactionId)}/refund`, {
    amount: { currency_code: input.currency, value: formatMinor(input.amount, input.currency) },
    custom_id: refundCustomId(input.reference, input.refundReference),
    invoice_id: input.refundReference,
    ...(input.reason ? { note_to_payer: input.reason.slice(0, 255) } : {}),
  }, requestId('refund', input.refundReference));
}

/**
 * The refund id is not stored while a refund is pending, so "query" repeats the POST with the
 * same PayPal-Request-Id: PayPal answers with the refund it already made instead of a new one.
 */
export function buildRefundQuery(ctx: PaypalContext, input: RefundInput): WireRequest | ConnectorFailure {
  return buildRefund(ctx, input);
}

export function buildGetRefund(ctx: PaypalContext, refundId: string): WireRequest | ConnectorFailure {
  return getRequest(ctx, `/v2/payments/refunds/${enc(refundId)}`);
}

export function mapRefundStatus(status: string | undefined): RefundStatus {
  switch (status) {
    case 'COMPLETED': return 'succeeded';
    case 'FAILED':
    case 'CANCELLED': return 'failed';
    default: return 'pending';
  }
}

export function parseRefund(_ctx: PaypalContext, input: RefundInput, res: WireResponse): RefundResult {
  const r = readReply('refund', res);
  if (!r.ok) {
    // The capture cannot be refunded this way (already fully refunded, too old …): a final answer.
    if (r.code === 'CONNECTOR.REJECTED' && res.status === 422) return { ok: true, status: 'failed', failureReason: r.message };
    return r;
  }
  const id = str(r.body, 'id');
  const status = str(r.body, 'status');
  if (id === undefined || status === undefined) return bad('refund', 'refund has no id or status');
  const amount = amountOf(obj(r.body, 'amount'), input.currency);
  if (amount === 'bad' || (amount !== undefined && amount !== input.amount)) return bad('refund', `refund ${id} amount differs from ${input.amount} ${input.currency}`);
  const mapped = mapRefundStatus(status);
  return { ok: true, status: mapped, providerRefundId: id, ...(mapped === 'failed' ? { failureReason: status } : {}) };
}

/**
 * Every refund of the order, however it was made: GET /v2/checkout/orders/{id} lists them at
 * purchase_units[].payments.refunds[] (a capture's own GET only links to its refunds one by
 * one). Paygate's refunds carry custom_id "<reference>:<refund reference>".
 */
export function buildListRefunds(ctx: PaypalContext, order: CloseOrder & { reference: string }): WireRequest | ConnectorFailure {
  return getRequest(ctx, `/v2/checkout/orders/${enc(order.providerOrderId ?? order.reference)}`);
}

export function parseListRefunds(_ctx: PaypalContext, order: CloseOrder & { reference: string }, res: WireResponse): ListRefundsResult {
  const r = readReply('list refunds', res);
  if (!r.ok) return r;
  const units = Array.isArray(r.body.purchase_units) ? r.body.purchase_units.filter(isObject) : [];
  const refunds: ProviderRefund[] = [];
  for (const unit of units) {
    const list = obj(unit, 'payments')?.refunds;
    for (const item of Array.isArray(list) ? list.filter(isObject) : []) {
      const id = str(item, 'id');
      const status = str(item, 'status');
      const amount = amountOf(obj(item, 'amount'), order.currency);
      if (!id || !status || typeof amount !== 'number') return bad('list refunds', `refund ${id ?? '?'} lacks an id, a status or a ${order.currency} amount`);
      const [reference, refundReference, extra] = (str(item, 'custom_id') ?? '').split(':');
      const ours = reference === order.reference && refundReference && extra === undefined;
      refunds.push({ providerRefundId: id, amount, currency: order.currency, status: mapRefundStatus(status), providerStatus: status, ...(ours ? { refundReference } : {}) });
    }
  }
  return { ok: true, refunds };
}

export const refund: PaypalPort['refund'] = { build: buildRefund, parse: parseRefund };
export const refundQuery: PaypalPort['refundQuery'] = { build: buildRefundQuery, parse: parseRefund };
export const listRefunds: PaypalPort['listRefunds'] = { build: buildListRefunds, parse: parseListRefunds };
