/**
 * Create = a Checkout Session (mode=payment): Stripe hosts the card page and the buyer is
 * redirected to session.url. The reference rides along three ways: client_reference_id
 * and metadata on the session, and payment_intent_data.metadata on the PaymentIntent that
 * Checkout creates when the buyer pays — so every webhook object carries it.
 */
import type { ConnectorFailure, CreateInput, CreateResult, WireRequest, WireResponse } from '../types.js';
import { fromStripeCurrency, toStripeCurrency } from './amount.js';
import { stripeAmountProblem as amountProblem } from './limits.js';
import { badResponse, int, readReply, stripePost, str, obj, type StripeContext, type StripePort } from './http.js';
import { idempotencyKey } from './ids.js';

export const REFERENCE_KEY = 'paygate_reference';

const MINUTE_S = 60;
/** Stripe refuses a session expiry less than 30 minutes or more than 24 hours after creation. */
const MIN_SESSION_S = 30 * MINUTE_S;
const MAX_SESSION_S = 24 * 60 * MINUTE_S;

/** Paygate's base URL (the part before /notify/...), for return URLs when the app gives none. */
export function gatewayBase(notifyUrl: string): string {
  return notifyUrl.replace(/\/notify\/[^/]+\/[^/]+$/, '');
}

/**
 * expires_at must be reproducible across retries (same Idempotency-Key, same parameters), so
 * it derives from the payment's deadline only: deadline + 31 min is always ≥ 30 min after
 * any creation that happens before the deadline. Paygate's own expiry job expires the session
 * at the deadline; this is the backstop. Payments longer than ~23 h keep Stripe's 24 h default.
 */
export function sessionExpiresAt(input: CreateInput, now: Date): number | undefined {
  const at = Math.floor(input.expiresAt.getTime() / 1000) + MIN_SESSION_S + MINUTE_S;
  return at - Math.floor(now.getTime() / 1000) <= MAX_SESSION_S - MINUTE_S ? at : undefined;
}

export function buildCheckout(ctx: StripeContext, input: CreateInput): WireRequest | ConnectorFailure {
  const problem = amountProblem(input.amount, input.currency);
  // The app checks amountProblem before storing the payment; a caller that did not gets the same code, and nothing is sent.
  if (problem) return { ok: false, code: 'VALIDATION.AMOUNT_NOT_REPRESENTABLE', retryable: false, message: problem };
  const returnUrl = input.returnUrl ?? `${gatewayBase(ctx.notifyUrl)}/`;
  const metadata = { [REFERENCE_KEY]: input.reference };
  return stripePost(ctx, '/v1/checkout/sessions', {
    mode: 'payment',
    client_reference_id: input.reference,
    success_url: returnUrl,
    // Marked so the return route knows the buyer backed out and need not ask Stripe.
    cancel_url: `${returnUrl}${returnUrl.includes('?') ? '&' : '?'}canceled=true`,
    expires_at: sessionExpiresAt(input, ctx.now),
    line_items: [{ quantity: 1, price_data: { currency: toStripeCurrency(input.currency), unit_amount: input.amount, product_data: { name: input.description.slice(0, 250) || input.reference } } }],
    metadata,
    payment_intent_data: { description: input.description.slice(0, 1000), metadata },
  }, idempotencyKey('create', input.reference));
}

export function parseCheckout(_ctx: StripeContext, input: CreateInput, res: WireResponse): CreateResult {
  const problem = amountProblem(input.amount, input.currency);
  if (problem) return { ok: false, code: 'VALIDATION.AMOUNT_NOT_REPRESENTABLE', retryable: false, message: problem };
  const reply = readReply('create checkout session', res);
  if (!reply.ok) return reply.failure;
  const s = reply.object;
  const id = str(s, 'id');
  const url = str(s, 'url');
  if (str(s, 'object') !== 'checkout.session' || !id?.startsWith('cs_')) return badResponse('create', 'answer is not a checkout.session');
  if (!url || !/^https?:\/\//.test(url)) return badResponse('create', `session ${id} has no hosted page url`);
  // An answer for another order (a proxy mix-up, a reused key) must never be shown to this buyer.
  if (obj(s, 'metadata')?.[REFERENCE_KEY] !== input.reference) return badResponse('create', `session ${id} is not for ${input.reference}`);
  if (int(s, 'amount_total') !== input.amount || fromStripeCurrency(s.currency) !== input.currency) {
    return badResponse('create', `session ${id} is for ${String(s.amount_total)} ${String(s.currency)}, expected ${input.amount} ${input.currency}`);
  }
  return { ok: true, reference: input.reference, redirectUrl: url, providerOrderId: id };
}

export const checkout: StripePort['create'] = { build: buildCheckout, parse: parseCheckout };
