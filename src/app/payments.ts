/**
 * Creating a payment: checked, routed across provider accounts, with fallback. Read, list,
 * cancel and refresh are in payment-actions.ts (re-exported here).
 */
import type { ConnectorFailure } from '../connectors/types.js';
import { PaygateError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { RoutingFacts, RoutingLogEntry } from '../domain/routing.js';
import { isUniqueViolation } from '../infra/db/index.js';
import type { AttemptRow, PaymentRow } from '../infra/db/schema.js';
import { enqueue } from '../infra/jobs/queue.js';
import type { AppContext } from './context.js';
import type { PaymentMethod } from './connectors.js';
import { loadAccount, type LoadedAccount } from './accounts.js';
import { isCircuitOpen } from './resilience.js';
import { candidateAccounts } from './routing.js';
import { abandonAttempt, createAtProvider, failAttempt, holdAttempt, insertAttempt, logSkip, placeAttempt } from './create-attempts.js';
import { refuseUnsendable } from './create-checks.js';
import type { KeyMode } from './merchants.js';
import { paymentMode } from './modes.js';
import { loadPaymentApi, toApi, type PaymentApi } from './payment-actions.js';

export { cancelPayment, listPayments, loadPaymentApi, refreshPayment, type ListPaymentsQuery, type PaymentApi } from './payment-actions.js';

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
  /** ISO 3166-1 alpha-2; routing rules may match on it. */
  payer_country?: string | null | undefined;
}

const factsOf = (p: Pick<PaymentRow, 'method' | 'currency' | 'amount' | 'payer_country'>): RoutingFacts => ({ method: p.method, currency: p.currency, amount: p.amount, payerCountry: p.payer_country ?? null });

/**
 * Everything a provider would refuse (currency, amount out of its limits or not expressible)
 * and every unsafe return_url is refused here, before anything is written: a refused create
 * leaves no payment, attempt or job behind. `keyMode` is the calling key's: it only reaches
 * accounts of its mode (routing.ts) and may only repeat a create of its own mode.
 */
export async function createPayment(ctx: AppContext, merchantId: string, input: CreatePaymentInput, keyMode: KeyMode): Promise<{ status: 200 | 201; payment: PaymentApi }> {
  const provider = refuseUnsendable(input, keyMode);

  const existing = await findExisting(ctx, merchantId, input, keyMode);
  if (existing) return { status: 200, payment: await resumeIfUnconfirmed(ctx, existing, input.provider_account_id, keyMode) };

  const now = ctx.now();
  const payment: PaymentRow = {
    id: newId('pay', now), merchant_id: merchantId, merchant_order_id: input.merchant_order_id, amount: input.amount,
    currency: input.currency, method: input.method, provider, status: 'requires_action', description: input.description ?? '',
    return_url: input.return_url ?? null, metadata: JSON.stringify(input.metadata ?? {}), amount_refunded: 0,
    expires_at: now + (input.expires_in_seconds ?? 900) * 1000, created_at: now, updated_at: now,
    payer_country: input.payer_country ?? null, routing_log: null,
  };
  const candidates = await candidateAccounts(ctx, merchantId, provider, factsOf(payment), input.provider_account_id, keyMode);
  // The common case — first account's breaker closed, no daily limit to reserve — places the
  // first attempt in the same transaction as the payment: a new payment has no other attempt
  // to race with, so placeAttempt's lock-and-check would be a round trip for nothing.
  const first = candidates[0] === undefined ? undefined : await loadAccount(ctx, candidates[0]);
  const direct = first && first.row.daily_limit === null && !isCircuitOpen(ctx, first.row.id) ? first : undefined;
  let placed: AttemptRow | undefined;
  try {
    await ctx.db.transaction().execute(async (trx) => {
      await trx.insertInto('payments').values(payment).execute();
      await enqueue(trx, { kind: 'expire_payment', refId: payment.id, runAt: payment.expires_at }, now);
      if (direct) placed = await insertAttempt(ctx, trx, payment, direct, now, now);
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // Lost a race with a concurrent create of the same merchant_order_id.
    const winner = await findExisting(ctx, merchantId, input, keyMode);
    if (!winner) throw err;
    return { status: 200, payment: await resumeIfUnconfirmed(ctx, winner, input.provider_account_id, keyMode) };
  }
  ctx.metrics.paymentsCreated.inc({ provider, method: input.method });
  // A placed attempt goes first as the payment's latest, unanswered attempt; the rest of the candidates follow.
  return { status: 201, payment: await createWithFallback(ctx, payment, candidates, placed && { attempt: placed, fresh: true }, { pinned: input.provider_account_id, keyMode }, 0) };
}

async function findExisting(ctx: AppContext, merchantId: string, input: CreatePaymentInput, keyMode: KeyMode): Promise<PaymentRow | undefined> {
  const p = await ctx.db.selectFrom('payments').selectAll().where('merchant_id', '=', merchantId).where('merchant_order_id', '=', input.merchant_order_id).executeTakeFirst();
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

/** How many times one request re-reads a payment another request is routing at the same moment. */
const MAX_RESUMES = 3;

/**
 * A repeated create of a payment nobody can pay yet (no QR code / approval link on its
 * current attempt) tries again: an attempt that never got an answer is resumed — sent again
 * with the same provider-side key (out_trade_no / Idempotency-Key / PayPal-Request-Id), so
 * the provider answers with the order it may already hold; after a failed one, routing
 * starts over with new attempts.
 */
async function resumeIfUnconfirmed(ctx: AppContext, p: PaymentRow, pinned: string | null | undefined, keyMode: KeyMode, depth = 0): Promise<PaymentApi> {
  if (p.status === 'requires_action' && p.expires_at > ctx.now() && depth < MAX_RESUMES) {
    const latest = await ctx.db.selectFrom('attempts').selectAll().where('payment_id', '=', p.id).orderBy('id', 'desc').executeTakeFirst();
    if (!latest || (!latest.qr_code && !latest.redirect_url && (latest.status === 'requires_action' || latest.status === 'failed'))) {
      const candidates = await candidateAccounts(ctx, p.merchant_id, p.provider, factsOf(p), pinned, keyMode);
      return createWithFallback(ctx, p, candidates, latest && { attempt: latest, fresh: false }, { pinned, keyMode }, depth);
    }
  }
  return toApi(ctx, p);
}

/** How the create was asked for: the pinned account, if any, and the calling key's mode. */
interface RouteRequest { pinned: string | null | undefined; keyMode: KeyMode }

async function resumeFresh(ctx: AppContext, payment: PaymentRow, route: RouteRequest, depth: number): Promise<PaymentApi> {
  const fresh = await ctx.db.selectFrom('payments').selectAll().where('id', '=', payment.id).executeTakeFirstOrThrow();
  return resumeIfUnconfirmed(ctx, fresh, route.pinned, route.keyMode, depth + 1);
}

/**
 * Offers the payment to the candidate accounts in order until one takes it. An account is
 * skipped without a call when its circuit breaker is open or its daily limit would be
 * exceeded. What a failed call does depends on what the provider knows:
 * - it answered with a retryable failure (system busy, 5xx), or provably never got the
 *   request (connection refused, breaker, bulkhead): nothing payable exists there, so the
 *   attempt is abandoned and routing moves on at once — no inline retry, the merchant waits;
 * - no answer came back (timeout, connection lost after sending): the provider may hold the
 *   order, so the attempt is held, never replaced (holdAttempt); the merchant's repeat resumes it;
 * - it refused this order (non-retryable): another account would refuse it too; the payment fails.
 * An attempt being resumed is held on any retryable failure but a provider's own answer:
 * "nothing sent this time" says nothing about the send before. Everything passed over is
 * kept in the payment's routing log.
 */
/** The payment's latest attempt; `fresh` when this request has just placed it (nothing was sent for it yet). */
interface Latest { attempt: AttemptRow; fresh: boolean }

async function createWithFallback(ctx: AppContext, payment: PaymentRow, candidates: string[], current: Latest | undefined, route: RouteRequest, depth: number): Promise<PaymentApi> {
  const latest = current?.attempt;
  const passed: RoutingLogEntry[] = [];
  const note = (e: RoutingLogEntry) => {
    passed.push(e);
    ctx.metrics.routingFallbacks.inc({ provider: payment.provider, outcome: e.outcome, reason: e.reason });
  };
  let lastFailure: ConnectorFailure | undefined;
  let expectedLatest = latest?.id;
  let queue = candidates;
  const run = async (attempt: AttemptRow, acc: LoadedAccount, resumed: boolean): Promise<PaymentApi | undefined> => {
    const failure = await createAtProvider(ctx, payment, attempt, acc);
    if (!failure) return loadPaymentApi(ctx, payment.merchant_id, payment.id);
    if (!failure.retryable) return failAttempt(ctx, payment, attempt, acc, failure, passed);
    if (failure.delivery === 'unanswered' || (resumed && failure.delivery === 'unsent')) {
      await holdAttempt(ctx, payment, attempt, acc, failure, passed);
      return loadPaymentApi(ctx, payment.merchant_id, payment.id);
    }
    const entry = await abandonAttempt(ctx, payment, attempt, acc, failure);
    // Someone else settled this attempt meanwhile (a concurrent create of the same order): theirs is the answer.
    if (!entry) return loadPaymentApi(ctx, payment.merchant_id, payment.id);
    note(entry);
    lastFailure = failure;
    return undefined;
  };

  if (latest && latest.status === 'requires_action') {
    // Created but never answered (a crash, or a concurrent request still waiting on it): the
    // same out_trade_no first, so the provider never holds two live orders for one attempt.
    queue = candidates.filter((id) => id !== latest.provider_account_id);
    const acc = await loadAccount(ctx, latest.provider_account_id);
    const done = acc && (await run(latest, acc, !current!.fresh));
    if (done) return done;
  }
  for (const accountId of queue) {
    const acc = await loadAccount(ctx, accountId);
    if (!acc) {
      note(await logSkip(ctx, payment, accountId, 'ACCOUNT_UNAVAILABLE'));
      continue;
    }
    const placed = await placeAttempt(ctx, payment, acc, expectedLatest);
    if (placed.kind === 'superseded') return resumeFresh(ctx, payment, route, depth);
    if (placed.kind === 'skipped') {
      note(placed.entry);
      continue;
    }
    expectedLatest = placed.attempt.id;
    const done = await run(placed.attempt, acc, false);
    if (done) return done;
  }
  if (lastFailure) {
    throw new PaygateError(lastFailure.code, `${payment.provider}: ${lastFailure.message}${passed.length > 1 ? ` (${passed.length} accounts passed over, see tried)` : ''}`, { details: { payment_id: payment.id, provider_code: lastFailure.providerCode ?? null, tried: passed } });
  }
  throw new PaygateError('ROUTING.NO_ACCOUNT_AVAILABLE', `no ${payment.provider} account can take this payment now: ${passed.map((e) => `${e.provider_account_id} ${e.reason}`).join(', ')}`, { details: { payment_id: payment.id, tried: passed } });
}

