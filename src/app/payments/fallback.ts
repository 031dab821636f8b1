/**
 * Offers the payment to the candidate accounts in order until one takes it, and says how
 * that ended (FallbackOutcome); create.ts decides what the merchant is told, and whether to
 * route again. An account is skipped without a call when its circuit breaker is open or its
 * daily limit would be exceeded. What a failed call does depends on what the provider knows:
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
import type { ConnectorFailure } from '../../connectors/types.js';
import type { RoutingLogEntry } from '../../domain/routing.js';
import type { AttemptRow, PaymentRow } from '../../infra/db/schema.js';
import type { AppContext } from '../context.js';
import { loadAccount, type LoadedAccount } from '../accounts.js';
import { abandonAttempt, createAtProvider, failAttempt, holdAttempt, placeAttempt } from './attempts.js';
import { countPassedOver, logSkip } from './routing-log.js';

/** The payment's latest attempt; `fresh` when this request has just placed it (nothing was sent for it yet). */
export interface Latest { attempt: AttemptRow; fresh: boolean }

export type FallbackOutcome =
  /** An attempt was answered (QR code / approval link), or another request settled it meanwhile: the payment as stored is the answer. */
  | { kind: 'answered' }
  /** Someone else moved the payment on (another request routing it, a cancel, expiry): read it again and decide anew. */
  | { kind: 'superseded' }
  /** The provider refused the order itself; the payment has failed. */
  | { kind: 'refused'; provider: string; failure: ConnectorFailure; passed: RoutingLogEntry[] }
  /** No answer came back: the attempt is held for the merchant's repeat; `tried` ends with it. */
  | { kind: 'held'; provider: string; failure: ConnectorFailure; tried: RoutingLogEntry[] }
  /** Every candidate was passed over; `lastFailure` is the last provider's failure, if any was called. */
  | { kind: 'exhausted'; lastFailure: ConnectorFailure | undefined; passed: RoutingLogEntry[] };

const ANSWERED: FallbackOutcome = { kind: 'answered' };

export async function offerToAccounts(ctx: AppContext, payment: PaymentRow, candidates: readonly string[], current: Latest | undefined): Promise<FallbackOutcome> {
  const passed: RoutingLogEntry[] = [];
  const note = (e: RoutingLogEntry) => {
    passed.push(e);
    countPassedOver(ctx, payment.provider, e);
  };
  let lastFailure: ConnectorFailure | undefined;
  /** Sends one attempt: an outcome that ends the routing, or undefined to move on to the next candidate. */
  const send = async (attempt: AttemptRow, acc: LoadedAccount, resumed: boolean): Promise<FallbackOutcome | undefined> => {
    const failure = await createAtProvider(ctx, payment, attempt, acc, resumed);
    if (!failure) return ANSWERED;
    if (!failure.retryable) {
      await failAttempt(ctx, payment, attempt, acc, failure);
      return { kind: 'refused', provider: acc.row.provider, failure, passed: [...passed] };
    }
    if (failure.delivery === 'unanswered' || (resumed && failure.delivery === 'unsent')) {
      const entry = await holdAttempt(ctx, payment, attempt, acc, failure);
      // A concurrent request sending the same create got the answer (or a poll settled it): theirs is the answer.
      return entry ? { kind: 'held', provider: acc.row.provider, failure, tried: [...passed, entry] } : ANSWERED;
    }
    const entry = await abandonAttempt(ctx, payment, attempt, acc, failure);
    // Someone else settled this attempt meanwhile (a concurrent create of the same order): theirs is the answer.
    if (!entry) return ANSWERED;
    note(entry);
    lastFailure = failure;
    return undefined;
  };

  const latest = current?.attempt;
  let expectedLatest = latest?.id;
  let queue = candidates;
  if (current && latest?.status === 'requires_action') {
    // Created but never answered (a crash, or a concurrent request still waiting on it): the
    // same out_trade_no first, so the provider never holds two live orders for one attempt.
    queue = candidates.filter((id) => id !== latest.provider_account_id);
    const acc = await loadAccount(ctx, latest.provider_account_id);
    const done = acc && (await send(latest, acc, !current.fresh));
    if (done) return done;
  }
  for (const accountId of queue) {
    const acc = await loadAccount(ctx, accountId);
    if (!acc) {
      note(await logSkip(ctx, payment.id, accountId, 'ACCOUNT_UNAVAILABLE'));
      continue;
    }
    const placed = await placeAttempt(ctx, payment, acc, expectedLatest);
    if (placed.kind === 'superseded') return placed;
    if (placed.kind === 'skipped') {
      note(placed.entry);
      continue;
    }
    expectedLatest = placed.attempt.id;
    const done = await send(placed.attempt, acc, false);
    if (done) return done;
  }
  return { kind: 'exhausted', lastFailure, passed };
}
