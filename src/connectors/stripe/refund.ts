/**
 * Refunds: POST /v1/refunds against the paid PaymentIntent, tagged with Paygate's refund id
 * in metadata (so webhooks and lookups find it) and keyed by it (so a retry never refunds
 * twice). Lookup lists the intent's refunds and picks ours by that metadata; listRefunds
 * hands the app all of them, those made in the dashboard included.
 */
import type { CloseOrder, ConnectorFailure, ListRefundsResult, ProviderRefund, RefundInput, RefundResult, WireRequest, WireResponse } from '../types.js';
import { fromStripeCurrency } from './amount.js';
import { REFERENCE_KEY } from './checkout.js';
import { unsendable } from '../common/failure.js';
import { badResponse, dataOf, int, obj, readReply, stripeGet, stripePost, str, type JsonObject, type StripeContext, type StripePort } from './http.js';
import { idempotencyKey, idsOf, isPaymentIntentId } from './ids.js';
import { mapRefund } from './status.js';

export const REFUND_KEY = 'paygate_refund';

function paymentIntentOf(input: RefundInput): { ok: true; id: string } | ConnectorFailure {
  const id = input.providerTransactionId;
  // The attempt records the intent id when it is seen paid (query or webhook); a refund is
  // only created for a paid attempt, so its absence is a bug upstream, not a Stripe state:
  // nothing is sent (INTERNAL.ERROR, as the app's build guard has always reported it).
  if (!id || !isPaymentIntentId(id)) return unsendable('INTERNAL.ERROR', `stripe refund ${input.refundReference}: the paid attempt has no PaymentIntent id (got ${id ?? 'none'})`);
  return { ok: true, id };
}

export function buildRefund(ctx: StripeContext, input: RefundInput): WireRequest | ConnectorFailure {
  const intent = paymentIntentOf(input);
  if (!intent.ok) return intent;
  return stripePost(ctx, '/v1/refunds', {
    payment_intent: intent.id,
    amount: input.amount,
    // Stripe's reason is an enum; the merchant's free text goes to metadata.
    reason: 'requested_by_customer',
    metadata: { [REFUND_KEY]: input.refundReference, [REFERENCE_KEY]: input.reference, ...(input.reason ? { paygate_reason: input.reason.slice(0, 500) } : {}) },
  }, idempotencyKey('refund', input.refundReference));
}

function fromRefund(r: JsonObject, input: RefundInput): RefundResult {
  if (obj(r, 'metadata')?.[REFUND_KEY] !== input.refundReference) return badResponse('refund', `refund ${String(r.id)} is not ${input.refundReference}`);
  if (int(r, 'amount') !== input.amount || fromStripeCurrency(r.currency) !== input.currency) {
    return badResponse('refund', `refund ${String(r.id)} is ${String(r.amount)} ${String(r.currency)}, expected ${input.amount} ${input.currency}`);
  }
  const status = mapRefund(str(r, 'status') ?? '');
  const id = str(r, 'id');
  const reason = str(r, 'failure_reason');
  return { ok: true, status, ...(id ? { providerRefundId: id } : {}), ...(status === 'failed' ? { failureReason: reason ?? str(r, 'status') ?? 'failed' } : {}) };
}

export function parseRefund(_ctx: StripeContext, input: RefundInput, res: WireResponse): RefundResult {
  const reply = readReply('refund', res);
  if (!reply.ok) {
    // Refused outright (already fully refunded, amount too large, disputed): this refund fails.
    if (reply.status === 400 && reply.error?.type === 'invalid_request_error' && reply.error.code !== 'idempotency_key_in_use') {
      return { ok: true, status: 'failed', failureReason: `${reply.error.code ?? 'invalid_request'}: ${reply.error.message}` };
    }
    return reply.failure;
  }
  if (str(reply.object, 'object') !== 'refund') return badResponse('refund', 'answer is not a refund');
  return fromRefund(reply.object, input);
}

export function buildRefundQuery(ctx: StripeContext, input: RefundInput): WireRequest | ConnectorFailure {
  const intent = paymentIntentOf(input);
  if (!intent.ok) return intent;
  return stripeGet(ctx, '/v1/refunds', { payment_intent: intent.id, limit: 100 });
}

export function parseRefundQuery(_ctx: StripeContext, input: RefundInput, res: WireResponse): RefundResult {
  const reply = readReply('refund query', res);
  if (!reply.ok) return reply.failure;
  const refunds = dataOf(reply.object);
  if (!refunds) return badResponse('refund query', 'answer is not a list');
  const mine = refunds.find((r) => obj(r, 'metadata')?.[REFUND_KEY] === input.refundReference);
  // Not there: the submit never arrived. Stay pending; the sync job submits again (same key).
  return mine ? fromRefund(mine, input) : { ok: true, status: 'pending' };
}

type ListOrder = CloseOrder & { reference: string };

/** Every refund of the paid intent (dashboard ones included), 100 a page, newest first. */
export function buildListRefunds(ctx: StripeContext, order: ListOrder, cursor?: string): WireRequest | ConnectorFailure {
  const intent = idsOf(order).paymentIntentId;
  if (!intent) return badResponse('list refunds', `order ${order.reference} has no PaymentIntent id yet`);
  return stripeGet(ctx, '/v1/refunds', { payment_intent: intent, limit: 100, ...(cursor ? { starting_after: cursor } : {}) });
}

export function parseListRefunds(_ctx: StripeContext, _order: ListOrder, res: WireResponse): ListRefundsResult {
  const reply = readReply('list refunds', res);
  if (!reply.ok) return reply.failure;
  const data = dataOf(reply.object);
  if (str(reply.object, 'object') !== 'list' || !data) return badResponse('list refunds', 'answer is not a list');
  const refunds: ProviderRefund[] = [];
  for (const r of data) {
    const id = str(r, 'id');
    const amount = int(r, 'amount');
    const currency = fromStripeCurrency(r.currency);
    const status = str(r, 'status') ?? 'unknown';
    if (!id || amount === undefined || !currency) return badResponse('list refunds', `refund ${String(r.id)} has no usable id/amount/currency`);
    const ours = obj(r, 'metadata')?.[REFUND_KEY];
    refunds.push({ providerRefundId: id, amount, currency, status: mapRefund(status), providerStatus: status, ...(typeof ours === 'string' ? { refundReference: ours } : {}) });
  }
  const last = refunds[refunds.length - 1];
  return { ok: true, refunds, ...(reply.object.has_more === true && last ? { nextCursor: last.providerRefundId } : {}) };
}

export const refund: StripePort['refund'] = { build: buildRefund, parse: parseRefund };
export const refundQuery: StripePort['refundQuery'] = { build: buildRefundQuery, parse: parseRefundQuery };
export const listRefunds: StripePort['listRefunds'] = { build: buildListRefunds, parse: parseListRefunds };
