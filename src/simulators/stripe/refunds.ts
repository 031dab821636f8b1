// Charges, refunds and the balance ledger. A paid intent gets one charge and a `charge`
// balance transaction (amount, fee, net); each refund a negative `refund` balance
// transaction — the report reconciliation reads via GET /v1/balance_transactions.
import { newId } from './crypto.js';
import { unix, type SimContext } from './context.js';
import { invalid, load } from './errors.js';
import { paramInt, paramMetadata, paramString, type Params } from './form.js';
import type { StripeObject } from './store.js';

const REASONS = new Set(['duplicate', 'fraudulent', 'requested_by_customer']);
const CHARGED_BACK = new Set(['needs_response', 'under_review']);

/** 2.9 % rounded half up, in the charge's own minor units (no fixed part: it differs per currency). */
export const feeOf = (amount: number): number => Math.floor((amount * 29 + 500) / 1000);

/** A dispute's money moves as `adjustment` transactions with reporting_category `dispute` / `dispute_reversal`, as at Stripe. */
export function balanceTransaction(sim: SimContext, accountId: string, type: 'charge' | 'refund' | 'adjustment', amount: number, fee: number, currency: string, source: string, reportingCategory: string = type): string {
  const created = unix(sim.now());
  const txn: StripeObject = {
    id: newId('txn'), object: 'balance_transaction', type, reporting_category: reportingCategory, amount, fee, net: amount - fee, currency,
    source, status: 'available', created, available_on: created, description: null, exchange_rate: null,
    fee_details: fee ? [{ amount: fee, currency, type: 'stripe_fee', description: 'Stripe processing fees' }] : [],
  };
  sim.store.put(accountId, txn);
  return txn.id;
}

export function recordCharge(sim: SimContext, accountId: string, pi: StripeObject): StripeObject {
  const amount = Number(pi.amount);
  const currency = String(pi.currency);
  const id = newId('ch');
  const charge: StripeObject = {
    id, object: 'charge', amount, amount_captured: amount, amount_refunded: 0, currency, paid: true, captured: true, refunded: false,
    status: 'succeeded', payment_intent: pi.id, metadata: pi.metadata, created: unix(sim.now()), livemode: false,
    balance_transaction: balanceTransaction(sim, accountId, 'charge', amount, feeOf(amount), currency, id),
  };
  sim.store.put(accountId, charge);
  return charge;
}

function chargeWithRefunds(sim: SimContext, accountId: string, charge: StripeObject): StripeObject {
  const refunds = sim.store.list(accountId, 'refund').filter((r) => r.charge === charge.id);
  return { ...charge, refunds: { object: 'list', data: refunds, has_more: false, total_count: refunds.length, url: `/v1/charges/${charge.id}/refunds` } };
}

export function createRefund(sim: SimContext, accountId: string, p: Params, idempotencyKey?: string): StripeObject {
  const piId = paramString(p, 'payment_intent');
  const chargeId = paramString(p, 'charge');
  if (!piId && !chargeId) throw invalid('One of `charge` or `payment_intent` is required.', 'payment_intent');
  let charge: StripeObject;
  if (piId) {
    const pi = load(sim, accountId, 'payment_intent', piId);
    if (pi.status !== 'succeeded' || typeof pi.latest_charge !== 'string') throw invalid(`This PaymentIntent (${piId}) does not have a successful charge to refund.`, 'payment_intent', 'charge_not_refundable');
    charge = load(sim, accountId, 'charge', pi.latest_charge);
  } else {
    charge = load(sim, accountId, 'charge', chargeId as string);
  }
  // A chargeback in progress: Stripe refuses (the money is with the issuer). Inquiries (warning_*) and decided disputes may be
  // refunded, but what a lost one took back is gone: only the rest can still be refunded.
  const disputes = sim.store.list(accountId, 'dispute').filter((d) => d.charge === charge.id);
  if (disputes.some((d) => CHARGED_BACK.has(String(d.status)))) throw invalid(`Charge ${charge.id} has been charged back; cannot issue a refund.`, undefined, 'charge_disputed');
  const lost = disputes.filter((d) => d.status === 'lost').reduce((sum, d) => sum + Number(d.amount), 0);
  const remaining = Number(charge.amount) - Number(charge.amount_refunded) - lost;
  if (remaining <= 0) throw invalid(`Charge ${charge.id} has already been refunded.`, undefined, 'charge_already_refunded');
  const amount = paramInt(p, 'amount', { min: 1 }) ?? remaining;
  if (amount > remaining) throw invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, 'amount', 'amount_too_large');
  const reason = paramString(p, 'reason');
  if (reason !== undefined && !REASONS.has(reason)) throw invalid(`Invalid reason: must be one of ${[...REASONS].join(', ')}`, 'reason');
  const id = newId('re');
  // Card refunds succeed at once; the money leaves the balance now.
  const refund: StripeObject = {
    id, object: 'refund', amount, currency: charge.currency, status: 'succeeded', charge: charge.id, payment_intent: charge.payment_intent,
    reason: reason ?? null, metadata: paramMetadata(p), created: unix(sim.now()),
    balance_transaction: balanceTransaction(sim, accountId, 'refund', -amount, 0, String(charge.currency), id),
  };
  sim.store.put(accountId, refund);
  const refunded = Number(charge.amount_refunded) + amount;
  const updated = { ...charge, amount_refunded: refunded, refunded: refunded === Number(charge.amount) };
  sim.store.put(accountId, updated);
  const request = idempotencyKey ? { idempotencyKey } : {};
  sim.notifier.emit(accountId, 'refund.created', refund, request);
  sim.notifier.emit(accountId, 'charge.refunded', chargeWithRefunds(sim, accountId, updated), request);
  return refund;
}

export interface Page { limit: number; startingAfter?: string; createdGte?: number; createdLt?: number }

export function pageOf(p: Params): Page {
  const limit = paramInt(p, 'limit', { min: 1 }) ?? 10;
  if (limit > 100) throw invalid('This value must be less than or equal to 100.', 'limit');
  const created = p.created;
  const range = created !== undefined && typeof created === 'object' && !Array.isArray(created) ? created : {};
  const startingAfter = paramString(p, 'starting_after');
  const createdGte = paramInt(range, 'gte');
  const createdLt = paramInt(range, 'lt');
  return { limit, ...(startingAfter ? { startingAfter } : {}), ...(createdGte !== undefined ? { createdGte } : {}), ...(createdLt !== undefined ? { createdLt } : {}) };
}

export function listObjects(sim: SimContext, accountId: string, type: string, page: Page, url: string, filter: (o: StripeObject) => boolean = () => true) {
  let all = sim.store.list(accountId, type).filter(filter)
    .filter((o) => (page.createdGte === undefined || Number(o.created) >= page.createdGte) && (page.createdLt === undefined || Number(o.created) < page.createdLt));
  if (page.startingAfter) {
    const i = all.findIndex((o) => o.id === page.startingAfter);
    if (i < 0) throw invalid(`No such object: '${page.startingAfter}'`, 'starting_after', 'resource_missing');
    all = all.slice(i + 1);
  }
  return { object: 'list', data: all.slice(0, page.limit), has_more: all.length > page.limit, url };
}
