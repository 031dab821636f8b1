/**
 * Creating a payment: checked, routed across provider accounts, with fallback. Read, list,
 * cancel and refresh are in payment-actions.ts (re-exported here).
 */
import type { ConnectorFailure } from '../connectors/types.js';
import { PaygateError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { RoutingFacts, RoutingLogEntry } from '../domain/routing.js';
import { isUniqueViolation, type Tx } from '../infra/db/index.js';
import type { AttemptRow, PaymentRow } from '../infra/db/schema.js';
import { enqueue } from '../infra/jobs/queue.js';
import type { AppContext } from './context.js';
import type { PaymentMethod } from './connectors.js';
import { loadAccount, type LoadedAccount } from './accounts.js';
import { callAccount } from './provider-auth.js';
import { lockPayment, observePayment } from './payment-transitions.js';
import { pollDelayS } from './schedule.js';
import { isCircuitOpen } from './resilience.js';
import { appendRoutingLog, candidateAccounts, releaseDailyUsage, reserveDailyUsage } from './routing.js';
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
  return { status: 201, payment: await createWithFallback(ctx, payment, candidates, placed, { pinned: input.provider_account_id, keyMode }, 0) };
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
 * current attempt) tries again: an attempt that never got an answer is asked again with
 * the same out_trade_no; after a failed one, routing starts over with new attempts.
 */
async function resumeIfUnconfirmed(ctx: AppContext, p: PaymentRow, pinned: string | null | undefined, keyMode: KeyMode, depth = 0): Promise<PaymentApi> {
  if (p.status === 'requires_action' && p.expires_at > ctx.now() && depth < MAX_RESUMES) {
    const latest = await ctx.db.selectFrom('attempts').selectAll().where('payment_id', '=', p.id).orderBy('id', 'desc').executeTakeFirst();
    if (!latest || (!latest.qr_code && !latest.redirect_url && (latest.status === 'requires_action' || latest.status === 'failed'))) {
      const candidates = await candidateAccounts(ctx, p.merchant_id, p.provider, factsOf(p), pinned, keyMode);
      return createWithFallback(ctx, p, candidates, latest, { pinned, keyMode }, depth);
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
 * exceeded; a retryable failure (timeout, outage, breaker, bulkhead) abandons that attempt
 * and moves on at once — no inline retry, the merchant is waiting. A non-retryable failure
 * (the provider refused this order) would be refused elsewhere too: the payment fails.
 * Everything passed over is kept in the payment's routing log.
 */
async function createWithFallback(ctx: AppContext, payment: PaymentRow, candidates: string[], latest: AttemptRow | undefined, route: RouteRequest, depth: number): Promise<PaymentApi> {
  const passed: RoutingLogEntry[] = [];
  const note = (e: RoutingLogEntry) => {
    passed.push(e);
    ctx.metrics.routingFallbacks.inc({ provider: payment.provider, outcome: e.outcome, reason: e.reason });
  };
  let lastFailure: ConnectorFailure | undefined;
  let expectedLatest = latest?.id;
  let queue = candidates;
  const run = async (attempt: AttemptRow, acc: LoadedAccount): Promise<PaymentApi | undefined> => {
    const failure = await createAtProvider(ctx, payment, attempt, acc);
    if (!failure) return loadPaymentApi(ctx, payment.merchant_id, payment.id);
    if (!failure.retryable) return failAttempt(ctx, payment, attempt, acc, failure, passed);
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
    const done = acc && (await run(latest, acc));
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
    const done = await run(placed.attempt, acc);
    if (done) return done;
  }
  if (lastFailure) {
    throw new PaygateError(lastFailure.code, `${payment.provider}: ${lastFailure.message}${passed.length > 1 ? ` (${passed.length} accounts passed over, see tried)` : ''}`, { details: { payment_id: payment.id, provider_code: lastFailure.providerCode ?? null, tried: passed } });
  }
  throw new PaygateError('ROUTING.NO_ACCOUNT_AVAILABLE', `no ${payment.provider} account can take this payment now: ${passed.map((e) => `${e.provider_account_id} ${e.reason}`).join(', ')}`, { details: { payment_id: payment.id, tried: passed } });
}

type Placed = { kind: 'placed'; attempt: AttemptRow } | { kind: 'skipped'; entry: RoutingLogEntry } | { kind: 'superseded' };

const logEntry = (accountId: string, outcome: RoutingLogEntry['outcome'], reason: string, at: number, attemptId?: string): RoutingLogEntry => ({
  provider_account_id: accountId, ...(attemptId ? { attempt_id: attemptId } : {}), outcome, reason, at: new Date(at).toISOString(),
});

async function logSkip(ctx: AppContext, payment: PaymentRow, accountId: string, reason: string): Promise<RoutingLogEntry> {
  const entry = logEntry(accountId, 'skipped', reason, ctx.now());
  await ctx.db.transaction().execute(async (trx) => {
    await lockPayment(ctx, trx, payment.id);
    await appendRoutingLog(trx, payment.id, [entry]);
  });
  return entry;
}

/**
 * One candidate, one transaction: under the payment row lock, make sure nobody moved the
 * payment on meanwhile (another request routing it, a cancel, expiry), reserve the amount
 * against the account's daily limit, then insert the attempt with its poll job.
 */
async function placeAttempt(ctx: AppContext, payment: PaymentRow, acc: LoadedAccount, expectedLatest: string | undefined): Promise<Placed> {
  return ctx.db.transaction().execute(async (trx): Promise<Placed> => {
    const p = await lockPayment(ctx, trx, payment.id);
    const now = ctx.now();
    if (!p || p.status !== 'requires_action' || p.expires_at <= now) return { kind: 'superseded' };
    const latest = await trx.selectFrom('attempts').select(['id', 'created_at']).where('payment_id', '=', payment.id).orderBy('id', 'desc').executeTakeFirst();
    if (latest?.id !== expectedLatest) return { kind: 'superseded' };
    const skip = async (reason: string): Promise<Placed> => {
      const entry = logEntry(acc.row.id, 'skipped', reason, now);
      await appendRoutingLog(trx, payment.id, [entry]);
      return { kind: 'skipped', entry };
    };
    if (isCircuitOpen(ctx, acc.row.id)) return skip('CIRCUIT_OPEN');
    // The latest attempt is the current one, and ids sort by their millisecond first: a
    // fallback made within the same millisecond must still sort after the attempt it replaces.
    const at = Math.max(now, (latest?.created_at ?? 0) + 1);
    if (acc.row.daily_limit !== null && !(await reserveDailyUsage(trx, acc.row.id, acc.row.daily_limit, payment.amount, at))) return skip('DAILY_LIMIT');
    return { kind: 'placed', attempt: await insertAttempt(ctx, trx, payment, acc, at, now) };
  });
}

/** A new attempt on `acc` (created at `at`, which orders it after earlier attempts) and its poll job. */
async function insertAttempt(ctx: AppContext, trx: Tx, payment: PaymentRow, acc: LoadedAccount, at: number, now: number): Promise<AttemptRow> {
  const id = newId('att', at);
  const attempt: AttemptRow = {
    // The attempt id doubles as the provider-side order id (out_trade_no): stable across retries.
    id, payment_id: payment.id, merchant_id: payment.merchant_id, provider: payment.provider, provider_account_id: acc.row.id,
    provider_reference: id, status: 'requires_action', qr_code: null, redirect_url: null,
    provider_transaction_id: null, error_code: null, error_message: null, created_at: at, updated_at: at,
  };
  await trx.insertInto('attempts').values(attempt).execute();
  await enqueue(trx, { kind: 'poll_attempt', refId: id, runAt: now + pollDelayS(acc.connector.pollDelaysS, 0) * 1000 * ctx.timeScale, payload: { n: 0 } }, now);
  return attempt;
}

/** Creates the order at the provider; undefined on success, else the failure. */
async function createAtProvider(ctx: AppContext, payment: PaymentRow, attempt: AttemptRow, acc: LoadedAccount): Promise<ConnectorFailure | undefined> {
  // returnUrl: redirect providers (PayPal) send the buyer back through Paygate, which captures before handing over to payments.return_url.
  const input = { reference: attempt.provider_reference, amount: payment.amount, currency: payment.currency, description: payment.description || payment.merchant_order_id, expiresAt: new Date(payment.expires_at), returnUrl: `${ctx.publicUrl()}/pay/${payment.id}/return` };
  const result = await callAccount(ctx, acc, 'create', (cctx) => acc.connector.create.build(cctx, input), (cctx, res) => acc.connector.create.parse(cctx, input, res));
  if (!result.ok) return result;
  await ctx.db.updateTable('attempts')
    .set({ qr_code: result.qrCode ?? null, redirect_url: result.redirectUrl ?? null, error_code: null, error_message: null, updated_at: ctx.now(), ...(result.providerOrderId ? { provider_transaction_id: result.providerOrderId, provider_order_id: result.providerOrderId } : {}) })
    .where('id', '=', attempt.id).execute();
  return undefined;
}

/**
 * Marks the attempt failed, gives back its daily reservation and logs it. Only the request
 * that flips it does so (two requests can be waiting on one attempt); the other gets
 * undefined. Used for a retryable failure, after which routing moves on.
 *
 * What happens to the order a failed create may have left at the provider (a timed-out
 * create can have succeeded there): it is not closed, and the attempt's poll job keeps
 * watching it until the payment is final. That is the safe choice because
 * - nobody can pay that order: its QR code / approval link never reached Paygate, so never the buyer;
 * - it cannot outlive the payment: it was created with the payment's expiry;
 * - if it is paid all the same, the poll or a notification reports the success and the
 *   money is never dropped (a success on any attempt of the payment counts);
 * - whatever else is heard about it (closed, failed, expired) cannot touch the payment:
 *   only its current, latest, attempt moves it (observePayment);
 * - closing it would cost the waiting merchant another call to an account that just failed.
 */
async function abandonAttempt(ctx: AppContext, payment: PaymentRow, attempt: AttemptRow, acc: LoadedAccount, failure: ConnectorFailure): Promise<RoutingLogEntry | undefined> {
  const now = ctx.now();
  const entry = logEntry(acc.row.id, 'failed', failure.code, now, attempt.id);
  const flipped = await ctx.db.transaction().execute(async (trx) => {
    await lockPayment(ctx, trx, payment.id);
    const r = await trx.updateTable('attempts')
      .set({ status: 'failed', error_code: failure.providerCode ?? failure.code, error_message: failure.message, updated_at: now })
      .where('id', '=', attempt.id).where('status', '=', 'requires_action').where('qr_code', 'is', null).where('redirect_url', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return false;
    if (acc.row.daily_limit !== null) await releaseDailyUsage(trx, acc.row.id, payment.amount, attempt.created_at);
    await appendRoutingLog(trx, payment.id, [entry]);
    return true;
  });
  return flipped ? entry : undefined;
}

/** The provider refused the order itself: another account would refuse it too. The payment fails, as it always did. */
async function failAttempt(ctx: AppContext, payment: PaymentRow, attempt: AttemptRow, acc: LoadedAccount, failure: ConnectorFailure, passed: RoutingLogEntry[]): Promise<never> {
  const now = ctx.now();
  await ctx.db.transaction().execute(async (trx) => {
    await lockPayment(ctx, trx, payment.id);
    const r = await trx.updateTable('attempts').set({ error_code: failure.providerCode ?? failure.code, error_message: failure.message, updated_at: now })
      .where('id', '=', attempt.id).where('status', '=', 'requires_action').executeTakeFirst();
    // No money can flow on a refused order; only the request that recorded the refusal gives the reservation back.
    if (Number(r.numUpdatedRows) === 1 && acc.row.daily_limit !== null) await releaseDailyUsage(trx, acc.row.id, payment.amount, attempt.created_at);
  });
  await observePayment(ctx, { paymentId: payment.id, attemptId: attempt.id, observed: 'failed', source: 'create' });
  throw new PaygateError(failure.code, `${acc.row.provider}: ${failure.message}`, { details: { payment_id: payment.id, provider_code: failure.providerCode ?? null, ...(passed.length ? { tried: passed } : {}) } });
}
