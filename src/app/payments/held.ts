/**
 * Held attempts outside a create: the poll job re-sends an attempt whose create was sent and
 * never answered (attempts.ts, holdAttempt), so that the order's QR code or approval link is
 * ready, or its refusal known, by the time the merchant repeats the create.
 */
import type { AttemptRow, PaymentRow } from '../../infra/db/schema.js';
import type { AppContext } from '../context.js';
import type { LoadedAccount } from '../accounts.js';
import { abandonAttempt, createAtProvider, failAttempt, recordUnanswered } from './attempts.js';

/**
 * True for an attempt whose create was sent and never answered (held): the only attempts
 * that may be re-sent without the merchant asking.
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
    await failAttempt(ctx, payment, attempt, acc, failure);
    return 'failed';
  }
  if (failure.delivery === undefined) return (await abandonAttempt(ctx, payment, attempt, acc, failure)) ? 'abandoned' : 'held';
  await recordUnanswered(ctx, attempt, failure);
  return 'held';
}
