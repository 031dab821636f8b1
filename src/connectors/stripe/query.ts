/**
 * Query and close. Both address the Checkout Session when its id is known (it holds the
 * PaymentIntent once the buyer paid), else the PaymentIntent. With neither — the create
 * answer was lost — they search PaymentIntents by the reference in their metadata: the
 * buyer never saw the page, so there is normally nothing, and nothing payable.
 */
import type { CloseOrder, CloseResult, ProviderPaymentStatus, QueryResult, WireRequest, WireResponse } from '../types.js';
import { fromStripeCurrency } from './amount.js';
import { REFERENCE_KEY } from './checkout.js';
import { badResponse, dataOf, int, obj, readReply, stripeGet, stripePost, str, type JsonObject, type StripeContext, type StripePort } from './http.js';
import { idempotencyKey, idsOf } from './ids.js';
import { mapPaymentIntent, mapSession } from './status.js';
import { stripeDecline } from './declines.js';

function searchByReference(ctx: StripeContext, reference: string): WireRequest {
  // Paygate references are [A-Za-z0-9_]; nothing in them needs escaping in Stripe's query language.
  return stripeGet(ctx, '/v1/payment_intents/search', { query: `metadata['${REFERENCE_KEY}']:'${reference}'`, limit: 10 });
}

export function buildQuery(ctx: StripeContext, reference: string, order?: CloseOrder): WireRequest {
  const { sessionId, paymentIntentId } = idsOf(order);
  if (sessionId) return stripeGet(ctx, `/v1/checkout/sessions/${sessionId}`, { expand: ['payment_intent'] });
  if (paymentIntentId) return stripeGet(ctx, `/v1/payment_intents/${paymentIntentId}`);
  return searchByReference(ctx, reference);
}

const ours = (o: JsonObject, reference: string) => obj(o, 'metadata')?.[REFERENCE_KEY] === reference;

/** The intent that decides the outcome: a success anywhere wins, then anything in flight, then the newest. */
function decisiveIntent(intents: JsonObject[]): JsonObject | undefined {
  const rank = (pi: JsonObject) => ({ succeeded: 3, processing: 2, requires_capture: 2, requires_action: 1 })[str(pi, 'status') ?? ''] ?? 0;
  return [...intents].sort((a, b) => rank(b) - rank(a) || (int(b, 'created') ?? 0) - (int(a, 'created') ?? 0))[0];
}

function fromIntent(pi: JsonObject, currency: string, override?: ProviderPaymentStatus): QueryResult {
  const status = override ?? mapPaymentIntent(pi);
  if (fromStripeCurrency(pi.currency) !== currency) return badResponse('query', `payment intent currency ${String(pi.currency)} is not ${currency}`);
  const amount = status === 'succeeded' ? int(pi, 'amount_received') : int(pi, 'amount');
  const id = str(pi, 'id');
  const decline = status === 'succeeded' ? undefined : stripeDecline(pi);
  return {
    ok: true, status, providerStatus: str(pi, 'status') ?? 'unknown',
    ...(decline ? { decline } : {}),
    ...(amount !== undefined ? { amount } : {}),
    // Only a paid intent becomes the attempt's transaction id: refunds name it.
    ...(status === 'succeeded' && id ? { providerTransactionId: id } : {}),
  };
}

export function parseQuery(_ctx: StripeContext, reference: string, currency: string, res: WireResponse): QueryResult {
  const reply = readReply('query', res);
  if (!reply.ok) return reply.failure;
  const o = reply.object;
  switch (str(o, 'object')) {
    case 'checkout.session': {
      if (!ours(o, reference)) return badResponse('query', `session ${String(o.id)} is not for ${reference}`);
      const pi = obj(o, 'payment_intent');
      const sessionStatus = mapSession(o);
      if (pi) {
        if (!ours(pi, reference)) return badResponse('query', `payment intent ${String(pi.id)} is not for ${reference}`);
        // An expired session can no longer be paid, whatever state its last attempt was left in.
        const override = str(o, 'status') === 'expired' && str(pi, 'status') !== 'succeeded' ? 'failed' : undefined;
        return fromIntent(pi, currency, override);
      }
      if (fromStripeCurrency(o.currency) !== currency) return badResponse('query', `session currency ${String(o.currency)} is not ${currency}`);
      const paidIntent = str(o, 'payment_intent');
      return {
        ok: true, status: sessionStatus, providerStatus: `session_${str(o, 'status') ?? 'unknown'}`,
        ...(sessionStatus === 'succeeded' && int(o, 'amount_total') !== undefined ? { amount: int(o, 'amount_total') } : {}),
        ...(sessionStatus === 'succeeded' && paidIntent ? { providerTransactionId: paidIntent } : {}),
      };
    }
    case 'payment_intent':
      if (!ours(o, reference)) return badResponse('query', `payment intent ${String(o.id)} is not for ${reference}`);
      return fromIntent(o, currency);
    case 'search_result': {
      const pi = decisiveIntent((dataOf(o) ?? []).filter((p) => ours(p, reference)));
      return pi ? fromIntent(pi, currency) : { ok: true, status: 'pending', providerStatus: 'no_payment_intent' };
    }
    default:
      return badResponse('query', `unexpected object ${String(o.object)}`);
  }
}

export function buildClose(ctx: StripeContext, reference: string, order?: CloseOrder): WireRequest {
  const { sessionId, paymentIntentId } = idsOf(order);
  // Expiring the session also cancels an intent it holds; cancelling the intent alone would leave the page open.
  if (sessionId) return stripePost(ctx, `/v1/checkout/sessions/${sessionId}/expire`, {}, idempotencyKey('close', sessionId));
  if (paymentIntentId) return stripePost(ctx, `/v1/payment_intents/${paymentIntentId}/cancel`, { cancellation_reason: 'abandoned' }, idempotencyKey('close', paymentIntentId));
  return searchByReference(ctx, reference);
}

export function parseClose(_ctx: StripeContext, reference: string, res: WireResponse): CloseResult {
  const reply = readReply('close', res);
  if (!reply.ok) {
    // Not open any more (complete, expired, succeeded, canceled): the caller queries to learn which.
    if (reply.status === 400 && reply.error?.type === 'invalid_request_error') return { ok: true, outcome: 'not_closable' };
    return reply.failure;
  }
  const o = reply.object;
  switch (str(o, 'object')) {
    case 'checkout.session':
      return str(o, 'status') === 'expired' ? { ok: true, outcome: 'closed' } : { ok: true, outcome: 'not_closable' };
    case 'payment_intent':
      return str(o, 'status') === 'canceled' ? { ok: true, outcome: 'closed' } : { ok: true, outcome: 'not_closable' };
    case 'search_result': {
      const pi = decisiveIntent((dataOf(o) ?? []).filter((p) => ours(p, reference)));
      // Found only by search, the intent never had a page the buyer could retry on: a declined one is as good as closed.
      const status = pi ? (str(pi, 'status') === 'requires_payment_method' ? 'pending' : mapPaymentIntent(pi)) : 'failed';
      return status === 'failed' || status === 'pending' ? { ok: true, outcome: 'closed' } : { ok: true, outcome: 'not_closable' };
    }
    default:
      return badResponse('close', `unexpected object ${String(o.object)}`);
  }
}

export const query: StripePort['query'] = { build: buildQuery, parse: parseQuery };
export const close: StripePort['close'] = { build: buildClose, parse: parseClose };
