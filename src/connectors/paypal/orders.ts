/**
 * Orders v2 with intent CAPTURE: create (the buyer approves on PayPal), get, capture.
 * Approval alone moves no money; only Paygate's capture does, which is why an approved
 * order of a canceled payment is simply never captured.
 */
import { formatMinor } from '../../domain/money.js';
import type { CaptureInput, CaptureResult, CloseOrder, ConnectorFailure, CloseResult, CreateInput, CreateResult, ProviderPaymentStatus, QueryResult, WireRequest, WireResponse } from '../types.js';
import { enc, getRequest, postRequest, requestId, type PaypalContext, type PaypalPort } from './request.js';
import { paypalAmountProblem } from './limits.js';
import { mapCaptureStatus, mapOrderStatus } from './status.js';
import { paypalDecline, RETRYABLE_CAPTURE_ISSUES } from './declines.js';
import type { Decline } from '../../domain/failure-codes.js';
import { amountOf, bad, failureOf, first, isObject, obj, parseJson, readReply, str, type Json } from './response.js';

const DESCRIPTION_MAX = 127;

export function buildCreateOrder(ctx: PaypalContext, input: CreateInput): WireRequest | ConnectorFailure {
  const problem = paypalAmountProblem(input.amount, input.currency);
  if (problem) return { ok: false, code: 'VALIDATION.AMOUNT_NOT_REPRESENTABLE', retryable: false, message: problem };
  // The app fills returnUrl with /pay/{payment_id}/return; without it the buyer would be stranded at PayPal.
  const cancel = input.returnUrl && URL.canParse(input.returnUrl) ? new URL(input.returnUrl) : undefined;
  if (!input.returnUrl || !cancel) return { ok: false, code: 'INTERNAL.ERROR', retryable: false, message: 'paypal create: CreateInput.returnUrl must be an absolute URL (the app passes /pay/{payment_id}/return)' };
  cancel.searchParams.set('canceled', 'true');
  return postRequest(ctx, '/v2/checkout/orders', {
    intent: 'CAPTURE',
    purchase_units: [{
      // All three carry Paygate's reference: webhooks name it in custom_id / invoice_id.
      reference_id: input.reference,
      custom_id: input.reference,
      invoice_id: input.reference,
      description: input.description.slice(0, DESCRIPTION_MAX),
      amount: { currency_code: input.currency, value: formatMinor(input.amount, input.currency) },
    }],
    payment_source: {
      paypal: {
        experience_context: { return_url: input.returnUrl, cancel_url: cancel.toString(), user_action: 'PAY_NOW', shipping_preference: 'NO_SHIPPING' },
      },
    },
  }, requestId('create', input.reference));
}

function approveLink(order: Json): string | undefined {
  const links = order.links;
  if (!Array.isArray(links)) return undefined;
  for (const rel of ['payer-action', 'approve']) {
    const l: unknown = links.find((x: unknown) => isObject(x) && x.rel === rel);
    if (isObject(l) && typeof l.href === 'string' && /^https?:\/\//.test(l.href)) return l.href;
  }
  return undefined;
}

export function parseCreateOrder(_ctx: PaypalContext, input: CreateInput, res: WireResponse): CreateResult {
  const r = readReply('create order', res);
  if (!r.ok) return r;
  const id = str(r.body, 'id');
  const href = approveLink(r.body);
  if (id === undefined) return bad('create order', 'no order id');
  if (href === undefined) return bad('create order', `order ${id} has no approve / payer-action link`);
  return { ok: true, reference: input.reference, redirectUrl: href, providerOrderId: id };
}

/** Orders are addressed by PayPal's id; before create answered we only have our reference, which PayPal answers 404. */
function orderPath(reference: string, order?: CloseOrder): string {
  return `/v2/checkout/orders/${enc(order?.providerOrderId ?? reference)}`;
}

export function buildGetOrder(ctx: PaypalContext, reference: string, order?: CloseOrder): WireRequest | ConnectorFailure {
  return getRequest(ctx, orderPath(reference, order));
}

interface OrderView { status: ProviderPaymentStatus; providerStatus: string; requiresCapture?: true; captureId?: string; amount?: number; decline?: Decline }

/** Order status → payment status; a COMPLETED order is as good as its capture. */
export function viewOrder(order: Json, currency: string): OrderView | string {
  const status = str(order, 'status');
  if (status === undefined) return 'order has no status';
  const unit = first(order, 'purchase_units');
  const amount = amountOf(obj(unit, 'amount'), currency);
  if (amount === 'bad') return `purchase_units[0].amount is not a ${currency} amount`;
  const withAmount = amount === undefined ? {} : { amount };
  const capture = first(obj(unit, 'payments'), 'captures');
  if (status === 'COMPLETED') {
    const capStatus = str(capture, 'status');
    const id = str(capture, 'id');
    const capAmount = amountOf(obj(capture, 'amount'), currency);
    if (capAmount === 'bad') return `capture amount is not a ${currency} amount`;
    const mapped = mapCaptureStatus(capStatus);
    const reason = str(obj(capture, 'status_details'), 'reason');
    const decline = mapped === 'failed' ? paypalDecline(reason ?? capStatus ?? 'DECLINED') : undefined;
    return { status: mapped, providerStatus: `${status}/${capStatus ?? 'NO_CAPTURE'}`, ...(id ? { captureId: id } : {}), ...(capAmount === undefined ? withAmount : { amount: capAmount }), ...(decline ? { decline } : {}) };
  }
  const mapped = mapOrderStatus(status);
  return {
    status: mapped, providerStatus: status, ...withAmount,
    ...(status === 'APPROVED' ? { requiresCapture: true as const } : {}),
    ...(mapped === 'failed' ? { decline: paypalDecline(status) } : {}),
  };
}

export function parseGetOrder(_ctx: PaypalContext, _reference: string, currency: string, res: WireResponse): QueryResult {
  // Unknown to PayPal (never created, or created but never answered): nothing to pay yet.
  if (res.status === 404) return { ok: true, status: 'pending', providerStatus: 'RESOURCE_NOT_FOUND' };
  const r = readReply('get order', res);
  if (!r.ok) return r;
  const v = viewOrder(r.body, currency);
  if (typeof v === 'string') return bad('get order', v);
  return {
    ok: true, status: v.status, providerStatus: v.providerStatus,
    ...(v.amount === undefined ? {} : { amount: v.amount }),
    ...(v.captureId ? { providerTransactionId: v.captureId } : {}),
    ...(v.requiresCapture ? { requiresCapture: true as const } : {}),
    ...(v.decline ? { decline: v.decline } : {}),
  };
}

export function buildCapture(ctx: PaypalContext, input: CaptureInput): WireRequest | ConnectorFailure {
  // One request id per order and approval round: whoever captures first (webhook, return,
  // poll), every later caller in that round gets the same capture back instead of a second
  // one. After INSTRUMENT_DECLINED the buyer approves again with another funding source; that
  // new approval needs a new id, or PayPal would replay the cached 422 to it.
  // The round goes before the reference so that the 108-character cut can never drop it.
  const round = input.round ?? 0;
  return postRequest(ctx, `/v2/checkout/orders/${enc(input.providerOrderId)}/capture`, {}, requestId(round > 0 ? `capture-r${round}` : 'capture', input.reference));
}

export function parseCapture(_ctx: PaypalContext, input: CaptureInput, res: WireResponse): CaptureResult {
  if (res.status === 422) {
    const f = failureOf('capture', res.status, parseJson(res));
    // A decline is a result, not an error. The order stays APPROVED: PayPal's answer to it is
    // to send the buyer back to the approve link to choose another funding source, so the
    // payment stays open with the decline recorded (not terminal; expiry ends it).
    if (f.providerCode && RETRYABLE_CAPTURE_ISSUES.has(f.providerCode)) return { ok: true, status: 'processing', providerStatus: f.providerCode, decline: paypalDecline(f.providerCode, f.message) };
    return f;
  }
  const r = readReply('capture', res);
  if (!r.ok) return r;
  const v = viewOrder(r.body, input.currency);
  if (typeof v === 'string') return bad('capture', v);
  if (v.amount !== undefined && v.status === 'succeeded' && v.amount !== input.amount) {
    return bad('capture', `captured ${v.amount}, order is ${input.amount} ${input.currency}`);
  }
  return { ok: true, status: v.status, providerStatus: v.providerStatus, ...(v.captureId ? { providerTransactionId: v.captureId } : {}), ...(v.decline ? { decline: v.decline } : {}) };
}

/**
 * Orders have no cancel: an order that is not captured never takes money and expires at
 * PayPal. "Close" asks PayPal and only refuses when the order is already COMPLETED.
 */
export function parseClose(_ctx: PaypalContext, _reference: string, res: WireResponse): CloseResult {
  if (res.status === 404) return { ok: true, outcome: 'closed' };
  const r = readReply('get order', res);
  if (!r.ok) return r;
  const status = str(r.body, 'status');
  if (status === undefined) return bad('get order', 'order has no status');
  return { ok: true, outcome: status === 'COMPLETED' ? 'not_closable' : 'closed' };
}

export const createOrder: PaypalPort['create'] = { build: buildCreateOrder, parse: parseCreateOrder };
export const getOrder: PaypalPort['query'] = { build: buildGetOrder, parse: parseGetOrder };
export const capture: PaypalPort['capture'] = { build: buildCapture, parse: parseCapture };
export const close: PaypalPort['close'] = { build: buildGetOrder, parse: parseClose };
