// Disputes (chargebacks and inquiries) as Stripe runs them, driven from the sandbox
// "dashboard" because a buyer's bank cannot be simulated: open one on a paid intent, move
// it through review to won or lost, and refund from the dashboard (no Paygate metadata).
// Each change emits the events Stripe sends — charge.dispute.created / updated / closed,
// funds_withdrawn when a chargeback takes the money, funds_reinstated when a won one gives
// it back — with the Dispute object shaped as stripe-node's Dispute type declares.
import { newId } from './crypto.js';
import { unix, type SimContext } from './context.js';
import { invalid, load } from './errors.js';
import { paramInt, paramString, type Params } from './form.js';
import { balanceTransaction, createRefund } from './refunds.js';
import type { StripeObject } from './store.js';

/** Dispute.Status values the dashboard may set, and which of them end the dispute. */
export const DISPUTE_STATUSES = ['warning_needs_response', 'warning_under_review', 'warning_closed', 'needs_response', 'under_review', 'won', 'lost', 'prevented'] as const;
const CLOSED = new Set(['warning_closed', 'won', 'lost', 'prevented']);
const OPENING = new Set(['warning_needs_response', 'needs_response']);
const REASONS = new Set(['bank_cannot_process', 'check_returned', 'credit_not_processed', 'customer_initiated', 'debit_not_authorized', 'duplicate', 'fraudulent', 'general', 'incorrect_account_details', 'insufficient_funds', 'product_not_received', 'product_unacceptable', 'subscription_canceled', 'unrecognized']);
const EVIDENCE_FIELDS = [
  'access_activity_log', 'billing_address', 'cancellation_policy', 'cancellation_policy_disclosure', 'cancellation_rebuttal', 'customer_communication',
  'customer_email_address', 'customer_name', 'customer_purchase_ip', 'customer_signature', 'duplicate_charge_documentation', 'duplicate_charge_explanation',
  'duplicate_charge_id', 'product_description', 'receipt', 'refund_policy', 'refund_policy_disclosure', 'refund_refusal_explanation', 'service_date',
  'service_documentation', 'shipping_address', 'shipping_carrier', 'shipping_date', 'shipping_documentation', 'shipping_tracking_number',
  'uncategorized_file', 'uncategorized_text',
];
const DAY_S = 86_400;

const isChargeback = (status: string): boolean => !status.startsWith('warning_');
/** Matches refunds.ts: no refund while a chargeback is pending. */
const refundable = (status: string): boolean => !['needs_response', 'under_review'].includes(status);

export function openDispute(sim: SimContext, accountId: string, p: Params): StripeObject {
  const piId = paramString(p, 'payment_intent');
  if (!piId) throw invalid('Missing required param: payment_intent.', 'payment_intent');
  const pi = load(sim, accountId, 'payment_intent', piId);
  if (pi.status !== 'succeeded' || typeof pi.latest_charge !== 'string') throw invalid(`This PaymentIntent (${piId}) does not have a successful charge to dispute.`, 'payment_intent');
  const charge = load(sim, accountId, 'charge', pi.latest_charge);
  if (sim.store.list(accountId, 'dispute').some((d) => d.charge === charge.id)) throw invalid(`Charge ${charge.id} already has a dispute.`, 'payment_intent', 'charge_disputed');
  const status = paramString(p, 'status') ?? 'needs_response';
  if (!OPENING.has(status)) throw invalid('status must be needs_response (a chargeback) or warning_needs_response (an inquiry).', 'status');
  const reason = paramString(p, 'reason') ?? 'fraudulent';
  if (!REASONS.has(reason)) throw invalid(`Invalid reason: must be one of ${[...REASONS].join(', ')}`, 'reason');
  const open = Number(charge.amount) - Number(charge.amount_refunded);
  const amount = paramInt(p, 'amount', { min: 1 }) ?? open;
  if (amount > open) throw invalid(`Dispute amount (${amount}) is greater than the undisputed, unrefunded amount of the charge (${open}).`, 'amount');
  const created = unix(sim.now());
  const dispute: StripeObject = {
    id: newId('dp'), object: 'dispute', amount, balance_transactions: [], charge: charge.id, created, currency: charge.currency,
    enhanced_eligibility_types: [], intended_submission_method: null, evidence: { ...Object.fromEntries(EVIDENCE_FIELDS.map((f) => [f, null])), enhanced_evidence: {} },
    evidence_details: { due_by: created + 7 * DAY_S, enhanced_eligibility: {}, has_evidence: false, past_due: false, submission_count: 0, submission_method: 'not_submitted' },
    is_charge_refundable: refundable(status), livemode: false, metadata: {}, network_reason_code: reason === 'fraudulent' ? '10.4' : null, payment_intent: pi.id,
    payment_method_details: { card: { brand: 'visa', case_type: isChargeback(status) ? 'chargeback' : 'inquiry', network_reason_code: reason === 'fraudulent' ? '10.4' : null }, type: 'card' },
    reason, status,
  };
  sim.store.put(accountId, dispute);
  sim.store.put(accountId, { ...charge, disputed: true });
  sim.notifier.emit(accountId, 'charge.dispute.created', dispute);
  // A chargeback debits the disputed amount at once; an inquiry moves no money.
  return isChargeback(status) ? moveFunds(sim, accountId, dispute, -amount, 'charge.dispute.funds_withdrawn') : dispute;
}

function moveFunds(sim: SimContext, accountId: string, dispute: StripeObject, amount: number, event: string): StripeObject {
  const txn = balanceTransaction(sim, accountId, 'adjustment', amount, 0, String(dispute.currency), dispute.id, amount < 0 ? 'dispute' : 'dispute_reversal');
  const stored = sim.store.get(txn)?.object;
  const updated = { ...dispute, balance_transactions: [...(dispute.balance_transactions as StripeObject[]), ...(stored ? [stored] : [])] };
  sim.store.put(accountId, updated);
  sim.notifier.emit(accountId, event, updated);
  return updated;
}

/** needs_response → under_review → won | lost (also straight to lost: no answer in time); inquiries → warning_closed or escalate to needs_response. */
export function moveDispute(sim: SimContext, accountId: string, id: string, p: Params): StripeObject {
  const dispute = load(sim, accountId, 'dispute', id);
  const status = paramString(p, 'status');
  if (!status || !(DISPUTE_STATUSES as readonly string[]).includes(status)) throw invalid(`status must be one of ${DISPUTE_STATUSES.join(', ')}`, 'status');
  const from = String(dispute.status);
  if (CLOSED.has(from)) throw invalid(`This dispute is already closed (${from}).`, 'status');
  if (status === from) return dispute;
  const inquiry = from.startsWith('warning_');
  const allowed = inquiry ? ['warning_under_review', 'warning_closed', 'needs_response', 'prevented'] : ['under_review', 'won', 'lost'];
  if (!allowed.includes(status)) throw invalid(`A dispute in ${from} cannot move to ${status}.`, 'status');
  const evidence = status.endsWith('under_review')
    ? { ...(dispute.evidence_details as Record<string, unknown>), has_evidence: true, submission_count: 1, submission_method: 'manual' }
    : dispute.evidence_details;
  let updated: StripeObject = { ...dispute, status, evidence_details: evidence, is_charge_refundable: refundable(status) };
  sim.store.put(accountId, updated);
  sim.notifier.emit(accountId, CLOSED.has(status) ? 'charge.dispute.closed' : 'charge.dispute.updated', updated);
  // An inquiry escalated to a chargeback now takes the money; a won chargeback gives it back.
  if (inquiry && status === 'needs_response') updated = moveFunds(sim, accountId, updated, -Number(updated.amount), 'charge.dispute.funds_withdrawn');
  if (!inquiry && status === 'won') updated = moveFunds(sim, accountId, updated, Number(updated.amount), 'charge.dispute.funds_reinstated');
  return updated;
}

/** A refund made in the dashboard: like POST /v1/refunds, without Paygate's metadata or idempotency key. */
export function dashboardRefund(sim: SimContext, accountId: string, p: Params): StripeObject {
  const piId = paramString(p, 'payment_intent');
  if (!piId) throw invalid('Missing required param: payment_intent.', 'payment_intent');
  const amount = paramInt(p, 'amount', { min: 1 });
  return createRefund(sim, accountId, { payment_intent: piId, reason: 'requested_by_customer', ...(amount !== undefined ? { amount: String(amount) } : {}) });
}
