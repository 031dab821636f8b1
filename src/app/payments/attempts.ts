/**
 * The steps of a create, one attempt at a time: place an attempt (under the payment lock,
 * with its daily reservation and poll job), send it, and record what came of it — answered
 * (QR code / approval link), refused (the payment fails), moved on from (the provider said
 * it failed, or nothing was sent), or held: no answer came back, so the provider may hold the
 * order, and the attempt stays the payment's current one until it is resumed with the same
 * provider-side key (out_trade_no / Idempotency-Key / PayPal-Request-Id). Each step records
 * and reports; what to tell the merchant is decided by create.ts, the routing by fallback.ts.
 */
import type { ConnectorFailure } from '../../connectors/types.js';
import { newId } from '../../domain/ids.js';
import type { RoutingLogEntry } from '../../domain/routing.js';
import type { Tx } from '../../infra/db/index.js';
import { insertAttempt as insertAttemptRow, latestAttempt, updateAttempt, type Attempt } from '../../infra/db/repos/attempts.js';
import { appendRoutingLog } from '../../infra/db/repos/payments.js';
import type { AttemptRow, PaymentRow } from '../../infra/db/schema.js';
import { enqueue } from '../../infra/jobs/queue.js';
import type { AppContext } from '../context.js';
import type { LoadedAccount } from '../accounts.js';
import { callAccount } from '../provider-auth.js';
import { lockPayment, observePayment } from '../payment-transitions.js';
import { pollDelayS } from '../schedule.js';
import { isCircuitOpen } from '../resilience.js';
import { releaseDailyUsage, reserveDailyUsage } from './daily-limits.js';
import { countPassedOver, logEntry } from './routing-log.js';

export type Placed = { kind: 'placed'; attempt: Attempt } | { kind: 'skipped'; entry: RoutingLogEntry } | { kind: 'superseded' };

/** The attempt still waits for the create's answer: no QR code / approval link stored, nothing settled. */
const UNANSWERED = { status: 'requires_action', unanswered: true } as const;

const errorFields = (failure: ConnectorFailure, now: number) => ({ error_code: failure.providerCode ?? failure.code, error_message: failure.message, updated_at: now });

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
    const latest = await latestAttempt(trx, payment.id);
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
export async function insertAttempt(ctx: AppContext, trx: Tx, payment: PaymentRow, acc: LoadedAccount, at: number, now: number): Promise<Attempt> {
  const id = newId('att', at);
  const attempt: Attempt = {
    // The attempt id doubles as the provider-side order id (out_trade_no): stable across retries.
    id, payment_id: payment.id, merchant_id: payment.merchant_id, provider: payment.provider, provider_account_id: acc.row.id,
    provider_reference: id, status: 'requires_action', qr_code: null, redirect_url: null,
    provider_transaction_id: null, error_code: null, error_message: null, created_at: at, updated_at: at,
  };
  await insertAttemptRow(trx, attempt);
  await enqueue(trx, { kind: 'poll_attempt', refId: id, runAt: now + pollDelayS(acc.connector.pollDelaysS, 0) * 1000 * ctx.timeScale, payload: { n: 0 } }, now);
  return attempt;
}

/** Creates the order at the provider; undefined on success, else the failure. */
/** Sends the attempt's create; `resumed`: its earlier send got no answer (the call is a 'resume', resilience.ts). */
export async function createAtProvider(ctx: AppContext, payment: PaymentRow, attempt: AttemptRow, acc: LoadedAccount, resumed = false): Promise<ConnectorFailure | undefined> {
  // returnUrl: redirect providers (PayPal) send the buyer back through Paygate, which captures before handing over to payments.return_url.
  const input = { reference: attempt.provider_reference, amount: payment.amount, currency: payment.currency, description: payment.description || payment.merchant_order_id, expiresAt: new Date(payment.expires_at), returnUrl: `${ctx.publicUrl()}/pay/${payment.id}/return` };
  const result = await callAccount(ctx, acc, resumed ? 'resume' : 'create', (cctx) => acc.connector.create.build(cctx, input), (cctx, res) => acc.connector.create.parse(cctx, input, res));
  if (!result.ok) return result;
  await updateAttempt(ctx.db, attempt.id, {
    qr_code: result.qrCode ?? null, redirect_url: result.redirectUrl ?? null, error_code: null, error_message: null, updated_at: ctx.now(),
    ...(result.providerOrderId ? { provider_transaction_id: result.providerOrderId, provider_order_id: result.providerOrderId } : {}),
  });
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
  return recordOnUnanswered(ctx, payment, attempt, acc, failure, 'failed');
}

/** The provider refused the order itself: another account would refuse it too. The refusal is recorded and the payment fails, as it always did. */
export async function failAttempt(ctx: AppContext, payment: PaymentRow, attempt: AttemptRow, acc: LoadedAccount, failure: ConnectorFailure): Promise<void> {
  const now = ctx.now();
  await ctx.db.transaction().execute(async (trx) => {
    await lockPayment(ctx, trx, payment.id);
    const recorded = await updateAttempt(trx, attempt.id, errorFields(failure, now), { status: 'requires_action' });
    // No money can flow on a refused order; only the request that recorded the refusal gives the reservation back.
    if (recorded && acc.row.daily_limit !== null) await releaseDailyUsage(trx, acc.row.id, payment.amount, attempt.created_at);
  });
  await observePayment(ctx, { paymentId: payment.id, attemptId: attempt.id, observed: 'failed', source: 'create' });
}

/**
 * No answer came back (delivery 'unanswered'), or nothing could be sent while resuming an
 * attempt whose earlier send is unaccounted for: the provider may hold this order, so it is
 * neither failed nor replaced. The attempt stays current (status requires_action, the
 * reservation kept, its poll job re-sends the same create), the error is recorded on it, and
 * the merchant is told to repeat the create (REPEAT_ADVICE) — which resumes this attempt
 * with the same provider-side key, so the provider answers with the order it has instead of
 * making a second. Returns the log entry, or undefined when someone else answered the attempt meanwhile.
 */
export async function holdAttempt(ctx: AppContext, payment: PaymentRow, attempt: AttemptRow, acc: LoadedAccount, failure: ConnectorFailure): Promise<RoutingLogEntry | undefined> {
  const entry = await recordOnUnanswered(ctx, payment, attempt, acc, failure, 'unanswered');
  // A concurrent request sending the same create got the answer (or a poll settled it): theirs is the answer.
  if (entry) countPassedOver(ctx, payment.provider, entry);
  return entry;
}

/**
 * Under the payment lock, records a failed send on an attempt still waiting for its create's
 * answer, and logs it: 'failed' also fails the attempt and gives its daily reservation back;
 * 'unanswered' keeps both (the order may exist). undefined when the attempt was answered or
 * settled meanwhile (two requests can be waiting on one attempt): nothing is written then.
 */
async function recordOnUnanswered(ctx: AppContext, payment: PaymentRow, attempt: AttemptRow, acc: LoadedAccount, failure: ConnectorFailure, outcome: 'failed' | 'unanswered'): Promise<RoutingLogEntry | undefined> {
  const now = ctx.now();
  const entry = logEntry(acc.row.id, outcome, failure.code, now, attempt.id);
  const failed = outcome === 'failed';
  const written = await ctx.db.transaction().execute(async (trx) => {
    await lockPayment(ctx, trx, payment.id);
    if (!(await updateAttempt(trx, attempt.id, { ...(failed ? { status: 'failed' as const } : {}), ...errorFields(failure, now) }, UNANSWERED))) return false;
    if (failed && acc.row.daily_limit !== null) await releaseDailyUsage(trx, acc.row.id, payment.amount, attempt.created_at);
    await appendRoutingLog(trx, payment.id, [entry]);
    return true;
  });
  return written ? entry : undefined;
}

/** Records another unanswered send of a held attempt; it stays held. */
export async function recordUnanswered(ctx: AppContext, attempt: AttemptRow, failure: ConnectorFailure): Promise<void> {
  await updateAttempt(ctx.db, attempt.id, errorFields(failure, ctx.now()), UNANSWERED);
}

export const REPEAT_ADVICE = 'The order may exist at the provider: repeat this create with the same merchant_order_id, amount, currency and method (any Idempotency-Key) and Paygate resends it with the same provider-side key, so the provider answers with that order instead of making a second one';
