/**
 * What a risk decision does to a new payment (docs/risk.md): the columns it keeps, and for
 * `block` and `review` what the create's transaction writes besides the payment — the
 * payment.failed event of a blocked one, the open review and payment.review_required of a
 * held one. Written with the payment, so the merchant hears of it exactly when it exists.
 */
import { PaygateError } from '../../domain/errors.js';
import type { Tx } from '../../infra/db/index.js';
import { riskDecisionOf, type Payment } from '../../infra/db/repos/payments.js';
import { insertReview } from '../../infra/db/repos/risk-reviews.js';
import type { AppContext } from '../context.js';
import type { KeyMode } from '../merchants.js';
import { recordEvent } from '../outbox.js';
import { paymentToApi } from '../representations.js';
import { decisionReason, decisionRecord, type Assessment } from './assess.js';

/** Risk control's failure codes (docs/failure-codes.md), spelt as the 402 errors they answer with. */
export const BLOCKED_FAILURE = 'RISK.BLOCKED';
export const DENIED_FAILURE = 'RISK.DENIED';

/** The payment's risk columns, and for a block its failure, for the row about to be inserted. */
export function riskColumns(risk: Assessment, reviewId: string | null): Pick<Payment, 'risk_action' | 'risk_score' | 'risk_decision' | 'status' | 'failure_code' | 'failure_message'> | Pick<Payment, 'risk_action' | 'risk_score' | 'risk_decision'> {
  const d = risk.decision;
  const base = { risk_action: d.action, risk_score: d.score, risk_decision: JSON.stringify({ ...decisionRecord(risk), review_id: reviewId }) };
  if (d.action === 'block') return { ...base, status: 'failed', failure_code: BLOCKED_FAILURE, failure_message: `Blocked by risk control: ${decisionReason(d)}.` };
  if (d.action === 'review') return { ...base, status: 'requires_review' };
  return base;
}

const snapshot = (ctx: AppContext, p: Payment) => paymentToApi(p, [], ctx.publicUrl(), null);

export async function recordBlocked(ctx: AppContext, trx: Tx, p: Payment, now: number): Promise<void> {
  await recordEvent(trx, { merchantId: p.merchant_id, type: 'payment.failed', objectId: p.id, data: snapshot(ctx, p) }, now);
  ctx.metrics.paymentTransitions.inc({ provider: p.provider, method: p.method, status: 'failed' });
}

export interface HoldRequest { id: string; risk: Assessment; keyMode: KeyMode; pinned: string | null }

export async function holdForReview(ctx: AppContext, trx: Tx, p: Payment, hold: HoldRequest, now: number): Promise<void> {
  await insertReview(trx, { id: hold.id, merchant_id: p.merchant_id, payment_id: p.id, key_mode: hold.keyMode, pinned_account_id: hold.pinned, reason: decisionReason(hold.risk.decision), created_at: now });
  await recordEvent(trx, { merchantId: p.merchant_id, type: 'payment.review_required', objectId: p.id, data: snapshot(ctx, p) }, now);
  ctx.metrics.paymentTransitions.inc({ provider: p.provider, method: p.method, status: 'requires_review' });
}

/** The 402 of a payment risk control failed: RISK.BLOCKED at create, RISK.DENIED after a denied review. */
/** A payment risk control failed (blocked at create, denied in review): a repeated create answers its 402 again. */
export const failedByRisk = (p: Payment): boolean => p.status === 'failed' && (p.failure_code === BLOCKED_FAILURE || p.failure_code === DENIED_FAILURE);

export function blockedError(p: Payment): PaygateError {
  const r = riskDecisionOf(p);
  if (p.failure_code === DENIED_FAILURE) {
    return new PaygateError('RISK.DENIED', `${p.failure_message ?? 'Denied in manual review.'} Nothing was charged; the payment ${p.id} is stored as failed.`, { details: { payment_id: p.id, review_id: r?.review_id ?? null } });
  }
  return new PaygateError('RISK.BLOCKED', `${p.failure_message ?? 'Blocked by risk control.'} Nothing was charged; the payment ${p.id} is stored as failed.`, {
    details: { payment_id: p.id, score: r?.score ?? null, rules: r?.rules.filter((x) => x.mode === 'active' && x.action === 'block').map((x) => x.name) ?? [], lists: r?.lists?.filter((x) => x.action === 'block') ?? [] },
  });
}
