// Checkout Sessions and PaymentIntents: creation, retrieval, expiry/cancel and what the
// buyer does on the hosted page. Like Stripe since API 2022-08-01, Checkout creates the
// PaymentIntent lazily, when the buyer first submits a card.
import { newId, randomToken } from './crypto.js';
import type { SimContext } from './context.js';
import { unix } from './context.js';
import { checkAmount } from './currency.js';
import { ApiError, invalid, load } from './errors.js';
import { paramHash, paramInt, paramList, paramMetadata, paramString, type Params } from './form.js';
import { recordCharge } from './refunds.js';
import type { StripeObject } from './store.js';

const SESSION_MIN_S = 30 * 60;
const SESSION_MAX_S = 24 * 3600;
const CANCELABLE = new Set(['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing']);

export function createSession(sim: SimContext, accountId: string, p: Params): StripeObject {
  if (paramString(p, 'mode') !== 'payment') throw invalid('The simulator supports mode=payment only.', 'mode');
  const successUrl = paramString(p, 'success_url');
  if (!successUrl || !/^https?:\/\//.test(successUrl)) throw invalid('Not a valid URL', 'success_url');
  const items = paramList(p, 'line_items');
  if (!items || items.length === 0) throw invalid('Missing required param: line_items.', 'line_items');
  let total = 0;
  let currency: string | undefined;
  items.forEach((raw, i) => {
    if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid(`Invalid line_items[${i}]`, `line_items[${i}]`);
    const price = paramHash(raw, 'price_data');
    if (!price) throw invalid('Each line item needs price_data (the simulator has no Price objects).', `line_items[${i}][price_data]`);
    const c = paramString(price, 'currency');
    if (!c) throw invalid('Missing required param: currency.', `line_items[${i}][price_data][currency]`);
    if (currency !== undefined && c !== currency) throw invalid('All line items must use the same currency.', `line_items[${i}][price_data][currency]`);
    currency = c;
    const unitAmount = paramInt(price, 'unit_amount', { required: true, min: 0 }) ?? 0;
    total += unitAmount * (paramInt(raw, 'quantity', { required: true, min: 1 }) ?? 1);
  });
  if (currency === undefined) throw invalid('Missing currency', 'line_items');
  checkAmount(total, currency, 'line_items');
  const created = unix(sim.now());
  const expiresAt = paramInt(p, 'expires_at') ?? created + SESSION_MAX_S;
  if (expiresAt < created + SESSION_MIN_S || expiresAt > created + SESSION_MAX_S) {
    throw invalid('The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.', 'expires_at');
  }
  const intentData = paramHash(p, 'payment_intent_data') ?? {};
  const id = newId('cs_test', 58);
  const session: StripeObject = {
    id, object: 'checkout.session', mode: 'payment', status: 'open', payment_status: 'unpaid', livemode: false,
    amount_subtotal: total, amount_total: total, currency, created, expires_at: expiresAt,
    client_reference_id: paramString(p, 'client_reference_id') ?? null, metadata: paramMetadata(p),
    success_url: successUrl, cancel_url: paramString(p, 'cancel_url') ?? null, payment_intent: null,
    url: `${sim.publicBaseUrl()}/c/pay/${id}`,
    // Not part of Stripe's answer: kept to create the PaymentIntent when the buyer pays.
    _intent: { metadata: paramMetadata(intentData), description: paramString(intentData, 'description') ?? null },
  };
  sim.store.put(accountId, session);
  return session;
}

/** The session as the API shows it (private fields removed, payment_intent expanded on request). */
export function sessionView(sim: SimContext, accountId: string, s: StripeObject, expand: readonly string[] = []): StripeObject {
  const { _intent: _hidden, ...view } = s;
  if (expand.includes('payment_intent') && typeof s.payment_intent === 'string') view.payment_intent = load(sim, accountId, 'payment_intent', s.payment_intent);
  return view as StripeObject;
}

export function createPaymentIntent(sim: SimContext, accountId: string, p: Params): StripeObject {
  const amount = paramInt(p, 'amount', { required: true }) ?? 0;
  const currency = paramString(p, 'currency');
  if (!currency) throw invalid('Missing required param: currency.', 'currency');
  checkAmount(amount, currency);
  const id = newId('pi');
  const pi: StripeObject = {
    id, object: 'payment_intent', amount, amount_received: 0, amount_capturable: 0, currency, status: 'requires_payment_method',
    client_secret: `${id}_secret_${randomToken(25)}`, created: unix(sim.now()), livemode: false, capture_method: 'automatic',
    confirmation_method: 'automatic', description: paramString(p, 'description') ?? null, metadata: paramMetadata(p),
    payment_method_types: ['card'], automatic_payment_methods: paramHash(p, 'automatic_payment_methods') ? { enabled: true, allow_redirects: 'always' } : null,
    last_payment_error: null, latest_charge: null, canceled_at: null, cancellation_reason: null,
  };
  sim.store.put(accountId, pi);
  return pi;
}

function intentForSession(sim: SimContext, accountId: string, s: StripeObject): StripeObject {
  if (typeof s.payment_intent === 'string') return load(sim, accountId, 'payment_intent', s.payment_intent);
  const data = s._intent as { metadata: Record<string, string>; description: string | null };
  const pi = createPaymentIntent(sim, accountId, { amount: String(s.amount_total), currency: String(s.currency), metadata: data.metadata, ...(data.description ? { description: data.description } : {}) });
  sim.store.put(accountId, { ...s, payment_intent: pi.id });
  return pi;
}

export function cancelPaymentIntent(sim: SimContext, accountId: string, id: string, reason: string | undefined, viaSession = false): StripeObject {
  const pi = load(sim, accountId, 'payment_intent', id);
  if (!viaSession && sim.store.scan('checkout.session', `"payment_intent":"${id}"`).some((s) => s.object.status === 'open')) {
    throw invalid('This PaymentIntent is managed by an open Checkout Session; expire the session instead.', 'intent', 'payment_intent_unexpected_state');
  }
  if (!CANCELABLE.has(String(pi.status))) {
    throw invalid(`You cannot cancel this PaymentIntent because it has a status of ${String(pi.status)}.`, undefined, 'payment_intent_unexpected_state');
  }
  const canceled = { ...pi, status: 'canceled', canceled_at: unix(sim.now()), cancellation_reason: reason ?? null };
  sim.store.put(accountId, canceled);
  sim.notifier.emit(accountId, 'payment_intent.canceled', canceled);
  return canceled;
}

export function expireSession(sim: SimContext, accountId: string, id: string): StripeObject {
  const s = load(sim, accountId, 'checkout.session', id);
  if (s.status !== 'open') throw invalid(`Only Checkout Sessions with a status in ["open"] can be expired. This session has a status of ${String(s.status)}.`, undefined, 'checkout_session_not_open');
  if (typeof s.payment_intent === 'string') cancelPaymentIntent(sim, accountId, s.payment_intent, 'abandoned', true);
  const expired = { ...load(sim, accountId, 'checkout.session', id), status: 'expired', url: null };
  sim.store.put(accountId, expired);
  sim.notifier.emit(accountId, 'checkout.session.expired', sessionView(sim, accountId, expired));
  return expired;
}

/** Sessions past expires_at expire on their own, as at Stripe. */
export function expireDue(sim: SimContext): void {
  const now = unix(sim.now());
  for (const { accountId, object } of sim.store.scan('checkout.session', '"status":"open"')) {
    if (object.status === 'open' && typeof object.expires_at === 'number' && object.expires_at <= now) sim.store.transaction(() => expireSession(sim, accountId, object.id));
  }
}

export function searchPaymentIntents(sim: SimContext, accountId: string, query: string): StripeObject[] {
  // The one query form Paygate sends: metadata['key']:'value'.
  const m = /^metadata\['([^']+)'\]:'([^']*)'$/.exec(query.trim());
  if (!m) throw invalid("The simulator supports only search queries of the form metadata['key']:'value'.", 'query');
  const [, key, value] = m as unknown as [string, string, string];
  return sim.store.list(accountId, 'payment_intent').filter((pi) => (pi.metadata as Record<string, string>)[key] === value);
}

export type PayOutcome = 'success' | 'fail' | 'cancel';

export interface PayResult { session: StripeObject | null; payment_intent: StripeObject | null; redirect_url: string | null }

/** Accepts a session id, its hosted page url, or a PaymentIntent id. */
function resolve(sim: SimContext, reference: string): { accountId: string; session?: StripeObject; intent?: StripeObject } {
  const ref = reference.trim();
  const id = /\/c\/pay\/(cs_[A-Za-z0-9_]+)/.exec(ref)?.[1] ?? ref;
  const found = sim.store.get(id);
  if (found?.object.object === 'checkout.session') return { accountId: found.accountId, session: found.object };
  if (found?.object.object === 'payment_intent') {
    const owner = sim.store.scan('checkout.session', `"payment_intent":"${id}"`)[0];
    return { accountId: found.accountId, intent: found.object, ...(owner ? { session: owner.object } : {}) };
  }
  throw new ApiError(404, 'invalid_request_error', `no checkout session or payment intent matches "${ref}"`, { code: 'resource_missing' });
}

export function pay(sim: SimContext, reference: string, outcome: PayOutcome): PayResult {
  return sim.store.transaction(() => {
    const { accountId, session: found, intent } = resolve(sim, reference);
    let session = found;
    if (session && session.status === 'open' && typeof session.expires_at === 'number' && session.expires_at <= unix(sim.now())) session = expireSession(sim, accountId, session.id);
    if (session && session.status !== 'open') throw new ApiError(409, 'invalid_request_error', `checkout session ${session.id} is ${String(session.status)}`, { code: 'checkout_session_not_open' });
    if (outcome === 'cancel') return { session: session ? sessionView(sim, accountId, session) : null, payment_intent: intent ?? null, redirect_url: (session?.cancel_url as string | null) ?? null };
    let pi = intent ?? (session ? intentForSession(sim, accountId, session) : undefined);
    if (!pi) throw new ApiError(404, 'invalid_request_error', 'nothing to pay', { code: 'resource_missing' });
    if (pi.status !== 'requires_payment_method') throw new ApiError(409, 'invalid_request_error', `payment intent ${pi.id} is ${String(pi.status)}`, { code: 'payment_intent_unexpected_state' });
    if (outcome === 'fail') {
      pi = { ...pi, last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' } };
      sim.store.put(accountId, pi);
      sim.notifier.emit(accountId, 'payment_intent.payment_failed', pi);
      return { session: session ? sessionView(sim, accountId, load(sim, accountId, 'checkout.session', session.id)) : null, payment_intent: pi, redirect_url: (session?.url as string | null) ?? null };
    }
    const charge = recordCharge(sim, accountId, pi);
    pi = { ...pi, status: 'succeeded', amount_received: pi.amount, last_payment_error: null, latest_charge: charge.id, payment_method: newId('pm') };
    sim.store.put(accountId, pi);
    sim.notifier.emit(accountId, 'payment_intent.succeeded', pi);
    let redirect: string | null = null;
    if (session) {
      const done: StripeObject = { ...load(sim, accountId, 'checkout.session', session.id), status: 'complete', payment_status: 'paid', url: null };
      sim.store.put(accountId, done);
      sim.notifier.emit(accountId, 'checkout.session.completed', sessionView(sim, accountId, done));
      redirect = String(done.success_url).replace('{CHECKOUT_SESSION_ID}', done.id);
      session = done;
    }
    return { session: session ? sessionView(sim, accountId, session) : null, payment_intent: pi, redirect_url: redirect };
  });
}
