/**
 * Creating a payment: checked (checks.ts), stored with its expiry job, then routed across
 * the merchant's provider accounts (fallback.ts). A repeated create of a payment nobody can
 * pay yet routes again; what the routing came to (FallbackOutcome) becomes the answer here.
 */
import { PaygateError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { RoutingFacts } from '../../domain/routing.js';
import { isUniqueViolation } from '../../infra/db/index.js';
import { latestAttempt, type Attempt } from '../../infra/db/repos/attempts.js';
import { insertPayment, paymentById, paymentByOrderId, type Payment } from '../../infra/db/repos/payments.js';
import type { PaymentRow } from '../../infra/db/schema.js';
import { enqueue } from '../../infra/jobs/queue.js';
import type { AppContext } from '../context.js';
import type { PaymentMethod } from '../connectors.js';
import { loadAccount } from '../accounts.js';
import { isCircuitOpen } from '../resilience.js';
import { candidateAccounts } from '../routing.js';
import type { KeyMode } from '../merchants.js';
import { paymentMode } from '../modes.js';
import { loadPaymentApi, toApi, type PaymentApi } from './queries.js';
import { insertAttempt, REPEAT_ADVICE } from './attempts.js';
import { refuseUnsendable } from './checks.js';
import { offerToAccounts, type FallbackOutcome, type Latest } from './fallback.js';
import { indexIdentifiers } from '../privacy.js';
import { assessPayment, recordPaymentLinks, releaseAssessment, type Assessment } from '../risk/assess.js';
import { blockedError, failedByRisk, holdForReview, riskColumns, recordBlocked } from '../risk/outcomes.js';

const buyerIdentifiers = (input: CreatePaymentInput) => [
  ...(input.customer?.id ? [{ kind: 'customer_id' as const, value: input.customer.id }] : []),
  ...(input.customer?.email ? [{ kind: 'email' as const, value: input.customer.email }] : []),
];

export interface CreatePaymentInput {
  amount: number;
  currency: string;
  method: PaymentMethod;
  merchant_order_id: string;
  description?: string | undefined;
  expires_in_seconds?: number | undefined;
  return_url?: string | null | undefined;
  metadata?: Record<string, string> | undefined;
  provider_account_id?: string | null | undefined;
  /** ISO 3166-1 alpha-2; routing rules may match on it. Default: the country of client_ip. */
  payer_country?: string | null | undefined;
  /** Risk inputs (docs/risk.md). */
  customer?: { id?: string | undefined; email?: string | undefined; phone?: string | undefined } | undefined;
  client_ip?: string | undefined;
  device_id?: string | undefined;
}

/** How the create was asked for: the pinned account, if any, and the calling key's mode. */
export interface RouteRequest { pinned: string | null | undefined; keyMode: KeyMode }

/** One round of routing: the accounts to offer the payment to, and its latest attempt. */
interface Round { candidates: string[]; latest: Latest | undefined }

const factsOf = (p: Pick<PaymentRow, 'method' | 'currency' | 'amount' | 'payer_country'>): RoutingFacts => ({ method: p.method, currency: p.currency, amount: p.amount, payerCountry: p.payer_country ?? null });

/**
 * Everything a provider would refuse (currency, amount out of its limits or not expressible)
 * and every unsafe return_url is refused here, before anything is written: a refused create
 * leaves no payment, attempt or job behind. `keyMode` is the calling key's: it only reaches
 * accounts of its mode (routing.ts) and may only repeat a create of its own mode.
 */
export async function createPayment(ctx: AppContext, merchantId: string, input: CreatePaymentInput, keyMode: KeyMode): Promise<{ status: 200 | 201; payment: PaymentApi }> {
  const provider = refuseUnsendable(input, keyMode);
  const route: RouteRequest = { pinned: input.provider_account_id, keyMode };

  const existing = await findExisting(ctx, merchantId, input, keyMode);
  if (existing) return repeated(ctx, existing, route);

  const now = ctx.now();
  const payment: Payment = {
    id: newId('pay', now), merchant_id: merchantId, merchant_order_id: input.merchant_order_id, amount: input.amount,
    currency: input.currency, method: input.method, provider, status: 'requires_action', description: input.description ?? '',
    return_url: input.return_url ?? null, metadata: JSON.stringify(input.metadata ?? {}), amount_refunded: 0,
    expires_at: now + (input.expires_in_seconds ?? 900) * 1000, created_at: now, updated_at: now,
    // Given, or where the buyer's IP is (offline geo-IP; null for a private or unknown address).
    payer_country: input.payer_country !== undefined ? input.payer_country : input.client_ip ? ctx.geo.country(input.client_ip) : null,
    routing_log: null,
    customer_id: input.customer?.id ?? null, customer_email: input.customer?.email?.toLowerCase() ?? null, customer_phone: input.customer?.phone ?? null,
    client_ip: input.client_ip ?? null, device_id: input.device_id ?? null,
  };
  // Risk control decides before any provider is asked (app/risk/assess.ts): a blocked payment
  // is stored failed and a reviewed one waits in requires_review; neither is routed.
  const risk = await assessPayment(ctx, payment);
  const reviewId = risk.decision.action === 'review' ? newId('rev', now) : null;
  Object.assign(payment, riskColumns(risk, reviewId));
  const allowed = risk.decision.action === 'allow';
  const candidates = allowed ? await candidateAccounts(ctx, merchantId, provider, factsOf(payment), input.provider_account_id, keyMode) : [];
  // The common case — first account's breaker closed, no daily limit to reserve — places the
  // first attempt in the same transaction as the payment: a new payment has no other attempt
  // to race with, so placeAttempt's lock-and-check would be a round trip for nothing.
  const first = candidates[0] === undefined ? undefined : await loadAccount(ctx, candidates[0]);
  const direct = first && first.row.daily_limit === null && !isCircuitOpen(ctx, first.row.id) ? first : undefined;
  let placed: Attempt | undefined;
  try {
    await ctx.db.transaction().execute(async (trx) => {
      await insertPayment(trx, payment);
      // So an erase by customer id or e-mail finds this payment (app/privacy.ts); hashed, never the value.
      await indexIdentifiers(ctx, trx, { sourceId: payment.id, paymentId: payment.id, merchantId, now }, buyerIdentifiers(input));
      await recordPaymentLinks(trx, merchantId, risk, now);
      // A blocked payment is over at once: nothing to expire.
      if (payment.status !== 'failed') await enqueue(trx, { kind: 'expire_payment', refId: payment.id, runAt: payment.expires_at }, now);
      if (reviewId) await holdForReview(ctx, trx, payment, { id: reviewId, risk, keyMode, pinned: input.provider_account_id ?? null }, now);
      if (payment.status === 'failed') await recordBlocked(ctx, trx, payment, now);
      if (direct) placed = await insertAttempt(ctx, trx, payment, direct, now, now);
    });
  } catch (err) {
    // Never stored: its velocity counts go back, so a failed create does not count against the buyer.
    await releaseAssessment(ctx, risk);
    if (!isUniqueViolation(err)) throw err;
    // Lost a race with a concurrent create of the same merchant_order_id.
    const winner = await findExisting(ctx, merchantId, input, keyMode);
    if (!winner) throw err;
    return repeated(ctx, winner, route);
  }
  ctx.metrics.paymentsCreated.inc({ provider, method: input.method });
  if (!allowed) return decidedByRisk(ctx, payment, risk);
  // A placed attempt goes first as the payment's latest, unanswered attempt; the rest of the candidates follow.
  return { status: 201, payment: await settle(ctx, payment, { candidates, latest: placed && { attempt: placed, fresh: true } }, route) };
}

/** A create of an order that exists: a blocked or denied one answers its 402 again, anything else is settled (routed if nobody can pay it yet). */
async function repeated(ctx: AppContext, existing: Payment, route: RouteRequest): Promise<{ status: 200; payment: PaymentApi }> {
  if (failedByRisk(existing)) throw blockedError(existing);
  return { status: 200, payment: await settle(ctx, existing, undefined, route) };
}

/** The answer to a create risk control did not allow: 402 RISK.BLOCKED, or 201 with the payment in requires_review. */
async function decidedByRisk(ctx: AppContext, payment: Payment, risk: Assessment): Promise<{ status: 201; payment: PaymentApi }> {
  if (risk.decision.action === 'block') throw blockedError(payment);
  return { status: 201, payment: await toApi(ctx, payment) };
}

async function findExisting(ctx: AppContext, merchantId: string, input: CreatePaymentInput, keyMode: KeyMode): Promise<Payment | undefined> {
  const p = await paymentByOrderId(ctx.db, merchantId, input.merchant_order_id);
  if (!p) return undefined;
  if (p.amount !== input.amount || p.currency !== input.currency || p.method !== input.method) {
    throw new PaygateError('PAYMENT.DUPLICATE_ORDER', `merchant_order_id ${input.merchant_order_id} already exists as ${p.id} with ${p.amount} ${p.currency} (${p.method})`, { field: 'merchant_order_id', details: { payment_id: p.id } });
  }
  // The same order id from a key of the other mode must not resume (and so reach accounts of) this payment.
  const mode = await paymentMode(ctx.db, merchantId, p.id);
  if (mode !== undefined && mode !== keyMode) {
    throw new PaygateError('PAYMENT.MODE_MISMATCH', `merchant_order_id ${input.merchant_order_id} already exists as ${p.id}, a ${mode}-mode payment; a ${keyMode} key cannot repeat it — use a new order id`, { field: 'merchant_order_id', details: { payment_id: p.id } });
  }
  return p;
}

/**
 * Routes a payment an operator approved out of review (app/risk/reviews.ts), as its create
 * would have been: to accounts of the creating key's mode, the pinned one if it named one.
 * Answers the payment with its QR code or redirect, or throws what routing came to.
 */
export async function routeApproved(ctx: AppContext, payment: Payment, route: RouteRequest): Promise<PaymentApi> {
  return settle(ctx, payment, undefined, route);
}

/** How many times one request re-reads a payment another request is routing at the same moment. */
const MAX_RESUMES = 3;

/**
 * Routes the payment until the routing has an answer. `round` is the first round when this
 * request has just created the payment; otherwise (a repeated create) the stored payment
 * decides whether there is anything to route (resumable below). A superseded round re-reads
 * the payment and decides again, at most MAX_RESUMES times.
 */
async function settle(ctx: AppContext, stored: Payment, round: Round | undefined, route: RouteRequest): Promise<PaymentApi> {
  let payment = stored;
  let next = round;
  for (let resumes = 0; ; resumes++) {
    next ??= await resumable(ctx, payment, route, resumes);
    if (!next) return toApi(ctx, payment);
    const outcome = await offerToAccounts(ctx, payment, next.candidates, next.latest);
    if (outcome.kind === 'answered') return loadPaymentApi(ctx, payment.merchant_id, payment.id);
    if (outcome.kind !== 'superseded') throw routingError(payment.id, payment.provider, outcome);
    const fresh = await paymentById(ctx.db, payment.id);
    if (!fresh) throw new Error(`payment ${payment.id} vanished while routing`);
    payment = fresh;
    next = undefined;
  }
}

/**
 * A repeated create of a payment nobody can pay yet (no QR code / approval link on its
 * current attempt) tries again: an attempt that never got an answer is resumed — sent again
 * with the same provider-side key (out_trade_no / Idempotency-Key / PayPal-Request-Id), so
 * the provider answers with the order it may already hold; after a failed one, routing
 * starts over with new attempts. undefined: nothing to route, the payment is the answer.
 */
async function resumable(ctx: AppContext, p: Payment, route: RouteRequest, resumes: number): Promise<Round | undefined> {
  if (p.status !== 'requires_action' || p.expires_at <= ctx.now() || resumes >= MAX_RESUMES) return undefined;
  const latest = await latestAttempt(ctx.db, p.id);
  if (latest && (latest.qr_code || latest.redirect_url || (latest.status !== 'requires_action' && latest.status !== 'failed'))) return undefined;
  const candidates = await candidateAccounts(ctx, p.merchant_id, p.provider, factsOf(p), route.pinned, route.keyMode);
  return { candidates, latest: latest && { attempt: latest, fresh: false } };
}

/** What the merchant is told when routing ended without a payable order. */
function routingError(paymentId: string, provider: string, outcome: Exclude<FallbackOutcome, { kind: 'answered' | 'superseded' }>): PaygateError {
  switch (outcome.kind) {
    case 'refused': {
      const { failure, passed } = outcome;
      return new PaygateError(failure.code, `${outcome.provider}: ${failure.message}`, { details: { payment_id: paymentId, provider_code: failure.providerCode ?? null, ...(passed.length ? { tried: passed } : {}) } });
    }
    case 'held': {
      const { failure, tried } = outcome;
      return new PaygateError(failure.code, `${outcome.provider}: ${failure.message}. ${REPEAT_ADVICE}`, {
        details: { payment_id: paymentId, provider_code: failure.providerCode ?? null, tried, safe_to_repeat: true },
      });
    }
    case 'exhausted': {
      const { lastFailure, passed } = outcome;
      if (lastFailure) {
        return new PaygateError(lastFailure.code, `${provider}: ${lastFailure.message}${passed.length > 1 ? ` (${passed.length} accounts passed over, see tried)` : ''}`, { details: { payment_id: paymentId, provider_code: lastFailure.providerCode ?? null, tried: passed } });
      }
      return new PaygateError('ROUTING.NO_ACCOUNT_AVAILABLE', `no ${provider} account can take this payment now: ${passed.map((e) => `${e.provider_account_id} ${e.reason}`).join(', ')}`, { details: { payment_id: paymentId, tried: passed } });
    }
  }
}
