/**
 * The steps of a create, one attempt at a time: place an attempt (under the payment lock,
 * with its daily reservation and poll job), send it, and record what came of it — answered
 * (QR code / approval link), refused (the payment fails), moved on from (the provider said
 * it failed, or nothing was sent), or held: no answer came back, so the provider may hold the
 * order, and the attempt stays the payment's current one until it is resumed with the same
 * provider-side key (out_trade_no / Idempotency-Key / PayPal-Request-Id). payments.ts routes.
 */
import type { ConnectorFailure } from '../connectors/types.js';
import { PaygateError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { RoutingLogEntry } from '../domain/routing.js';
import type { Tx } from '../infra/db/index.js';
import type { AttemptRow, PaymentRow } from '../infra/db/schema.js';
import { enqueue } from '../infra/jobs/queue.js';
import type { AppContext } from './context.js';
import type { LoadedAccount } from './accounts.js';
import { callAccount } from './provider-auth.js';
import { lockPayment, observePayment } from './payment-transitions.js';
import { pollDelayS } from './schedule.js';
import { isCircuitOpen } from './resilience.js';
import { appendRoutingLog, releaseDailyUsage, reserveDailyUsage } from './routing.js';

export type Placed = { kind: 'placed'; attempt: AttemptRow } | { kind: 'skipped'; entry: RoutingLogEntry } | { kind: 'superseded' };

export const logEntry = (accountId: string, outcome: RoutingLogEntry['outcome'], reason: string, at: number, attemptId?: string): RoutingLogEntry => ({
  provider_account_id: accountId, ...(attemptId ? { attempt_id: attemptId } : {}), outcome, reason, at: new Date(at).toISOString(),
});

export async function logSkip(ctx: AppContext, payment: PaymentRow, accountId: string, reason: string): Promise<RoutingLogEntry> {
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
export async function placeAttempt(ctx: AppContext, payment: PaymentRow, acc: LoadedAccount, expectedLatest: string | undefined): Promise<Placed> {
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
export async function insertAttempt(ctx: AppContext, trx: Tx, payment: PaymentRow, acc: LoadedAccount, at: number, now: number): Promise<AttemptRow> {
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
export async function createAtProvider(ctx: AppContext, payment: PaymentRow, attempt: AttemptRow, acc: LoadedAccount): Promise<ConnectorFailure | undefined> {
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
export async function abandonAttempt(ctx: AppContext, payment: PaymentRow, attempt: AttemptRow, acc: LoadedAccount, failure: ConnectorFailure): Promise<RoutingLogEntry | undefined> {
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
export async function failAttempt(ctx: AppContext, payment: PaymentRow, attempt: AttemptRow, acc: LoadedAccount, failure: ConnectorFailure, passed: RoutingLogEntry[]): Promise<never> {
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

/**
 * No answer came back (delivery 'unanswered'), or nothing could be sent while resuming an
 * attempt whose earlier send is unaccounted for: the provider may hold this order, so it is
 * neither failed nor replaced. The attempt stays current (status requires_action, the
 * reservation kept, its poll job re-sends the same create), the error is recorded on it, and
 * the merchant is told to repeat the create — which resumes this attempt with the same
 * provider-side key, so the provider answers with the order it has instead of making a second.
 * Throws that advice as the create's error; returns only when someone else answered the attempt meanwhile.
 */
export async function holdAttempt(ctx: AppContext, payment: PaymentRow, attempt: AttemptRow, acc: LoadedAccount, failure: ConnectorFailure, passed: RoutingLogEntry[]): Promise<'answered_meanwhile'> {
  const now = ctx.now();
  const entry = logEntry(acc.row.id, 'unanswered', failure.code, now, attempt.id);
  const held = await ctx.db.transaction().execute(async (trx) => {
    await lockPayment(ctx, trx, payment.id);
    const r = await trx.updateTable('attempts').set({ error_code: failure.providerCode ?? failure.code, error_message: failure.message, updated_at: now })
      .where('id', '=', attempt.id).where('status', '=', 'requires_action').where('qr_code', 'is', null).where('redirect_url', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return false;
    await appendRoutingLog(trx, payment.id, [entry]);
    return true;
  });
  // A concurrent request sending the same create got the answer (or a poll settled it): theirs is the answer.
  if (!held) return 'answered_meanwhile';
  ctx.metrics.routingFallbacks.inc({ provider: payment.provider, outcome: 'unanswered', reason: failure.code });
  const tried = [...passed, entry];
  throw new PaygateError(failure.code, `${acc.row.provider}: ${failure.message}. ${REPEAT_ADVICE}`, {
    details: { payment_id: payment.id, provider_code: failure.providerCode ?? null, tried, safe_to_repeat: true },
  });
}

export const REPEAT_ADVICE = 'The order may exist at the provider: repeat this create with the same merchant_order_id, amount, currency and method (any Idempotency-Key) and Paygate resends it with the same provider-side key, so the provider answers with that order instead of making a second one';

/**
 * True for an attempt whose create was sent and never answered (held above): the only
 * attempts that may be re-sent without the merchant asking (the poll job does, so the order's
 * QR code or approval link is ready, or its refusal known, by the time the merchant repeats).
 */
export function isUnanswered(attempt: Pick<AttemptRow, 'status' | 'qr_code' | 'redirect_url' | 'error_code'>): boolean {
  return attempt.status === 'requires_action' && attempt.qr_code === null && attempt.redirect_url === null && attempt.error_code !== null;
}

/**
 * The poll job's turn at a held attempt: while its payment is open, send the same create
 * again (same provider-side key) instead of asking for its status — a query cannot tell
 * "never created" from "created, not yet scanned", and for Stripe and PayPal only the
 * create's answer names the session / order. Answered: the QR code or approval link is
 * stored, ready for the merchant's repeat or the cashier. Refused: the payment fails as it
 * would have at create. A provider's retryable answer: the attempt is given up as at create,
 * and the merchant's repeat routes again. No answer again: it stays held.
 */
export async function resumeHeldAttempt(ctx: AppContext, payment: PaymentRow, attempt: AttemptRow, acc: LoadedAccount): Promise<'answered' | 'held' | 'abandoned' | 'failed'> {
  const failure = await createAtProvider(ctx, payment, attempt, acc);
  if (!failure) {
    ctx.statusBus?.publish(payment.id, 'requires_action');
    return 'answered';
  }
  if (!failure.retryable) {
    await failAttempt(ctx, payment, attempt, acc, failure, []).catch((err: unknown) => {
      if (!(err instanceof PaygateError)) throw err;
    });
    return 'failed';
  }
  if (failure.delivery === undefined) return (await abandonAttempt(ctx, payment, attempt, acc, failure)) ? 'abandoned' : 'held';
  await ctx.db.updateTable('attempts').set({ error_code: failure.providerCode ?? failure.code, error_message: failure.message, updated_at: ctx.now() })
    .where('id', '=', attempt.id).where('status', '=', 'requires_action').where('qr_code', 'is', null).where('redirect_url', 'is', null).execute();
  return 'held';
}
