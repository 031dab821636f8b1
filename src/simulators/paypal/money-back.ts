// Money leaving a capture: refunds (through the API, or "in the PayPal dashboard" without the
// caller's custom_id), reversals (a chargeback: PayPal takes the money back) and disputes
// (Customer Disputes API v1: the buyer contests, PayPal decides). Each change is written and
// its webhook queued in one store transaction, so GET and the webhook always agree.
import { randomInt } from 'node:crypto';
import type { SimContext } from './context.js';
import { newResourceId, toMinor } from './format.js';
import { disputeView, money, reversalView, refundView } from './resources.js';
import type { CaptureRow, DisputeRow } from './store.js';

type Answer = { status: number; body: unknown };
type Obj = Record<string, unknown>;

export class MoneyBackError extends Error {
  constructor(readonly status: number, readonly issue: string, message: string) {
    super(message);
  }
}

/** Statuses a dispute moves through before PayPal decides (Disputes API `status`). */
export const OPEN_DISPUTE_STATUSES = ['OPEN', 'WAITING_FOR_BUYER_RESPONSE', 'WAITING_FOR_SELLER_RESPONSE', 'UNDER_REVIEW', 'OTHER'] as const;
export const DISPUTE_OUTCOMES = ['RESOLVED_BUYER_FAVOUR', 'RESOLVED_SELLER_FAVOUR', 'RESOLVED_WITH_PAYOUT', 'CANCELED_BY_BUYER', 'ACCEPTED', 'DENIED'] as const;
/** Outcomes where the merchant gives the money back. */
const MERCHANT_PAYS = new Set(['RESOLVED_BUYER_FAVOUR', 'ACCEPTED']);
export const DISPUTE_REASONS = [
  'MERCHANDISE_OR_SERVICE_NOT_RECEIVED', 'MERCHANDISE_OR_SERVICE_NOT_AS_DESCRIBED', 'UNAUTHORISED', 'CREDIT_NOT_PROCESSED', 'DUPLICATE_TRANSACTION',
  'INCORRECT_AMOUNT', 'PAYMENT_BY_OTHER_MEANS', 'CANCELED_RECURRING_BILLING', 'PROBLEM_WITH_REMITTANCE', 'OTHER',
] as const;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const s = (o: Obj | undefined, k: string): string | undefined => (typeof o?.[k] === 'string' && o[k] !== '' ? o[k] : undefined);
const isOpen = (d: DisputeRow) => d.status !== 'RESOLVED';

/** What of a capture is gone (refunded, reversed, lost in a dispute) and what may still leave. */
export function position(sim: SimContext, c: CaptureRow): { refunded: number; taken: number; remaining: number; openDispute: boolean } {
  const reversed = sim.store.reversalsOf(c.id).reduce((n, r) => n + r.amount_minor, 0);
  const disputes = sim.store.disputesOf(c.id);
  const lost = disputes.filter((d) => d.outcome !== null && MERCHANT_PAYS.has(d.outcome)).reduce((n, d) => n + d.amount_minor, 0);
  const taken = reversed + lost;
  return { refunded: c.refunded_minor, taken, remaining: Math.max(0, c.amount_minor - c.refunded_minor - taken), openDispute: disputes.some(isOpen) };
}

/** Capture status after money left it: PayPal shows reversals and lost disputes like refunds. */
function restate(sim: SimContext, c: CaptureRow, refunded: number): void {
  const { taken } = position(sim, { ...c, refunded_minor: refunded });
  const out = refunded + taken;
  sim.store.updateCapture(c.id, out >= c.amount_minor ? 'REFUNDED' : out > 0 ? 'PARTIALLY_REFUNDED' : 'COMPLETED', refunded);
}

function paidCapture(sim: SimContext, client: string | undefined, captureId: string): CaptureRow {
  const c = sim.store.getCapture(captureId);
  if (!c || (client !== undefined && c.client_id !== client)) throw new MoneyBackError(404, 'INVALID_RESOURCE_ID', 'The specified resource does not exist (capture).');
  if (c.status !== 'COMPLETED' && c.status !== 'PARTIALLY_REFUNDED') throw new MoneyBackError(422, c.status === 'REFUNDED' ? 'CAPTURE_FULLY_REFUNDED' : 'REFUND_NOT_ALLOWED', `capture is ${c.status}`);
  return c;
}

/** {currency_code, value} in the capture's currency, or the whole remaining amount when absent. */
function amountIn(c: CaptureRow, remaining: number, body: Obj): number {
  const amount = isObj(body.amount) ? body.amount : undefined;
  if (!amount) return remaining;
  if (s(amount, 'currency_code') !== c.currency) throw new MoneyBackError(422, 'CURRENCY_MISMATCH', 'the amount currency must match the capture');
  const m = toMinor(s(amount, 'value') ?? '', c.currency);
  if (m === null || m <= 0) throw new MoneyBackError(422, 'DECIMAL_PRECISION', 'bad amount');
  return m;
}

/**
 * POST /v2/payments/captures/{id}/refund (client set, body as the API takes it) and the
 * dashboard's refund (client undefined): the dashboard sets no custom_id, only an optional note.
 */
export function refundCapture(sim: SimContext, client: string | undefined, captureId: string, body: unknown): Answer {
  const b = isObj(body) ? body : {};
  const c = paidCapture(sim, client, captureId);
  const pos = position(sim, c);
  if (pos.openDispute) throw new MoneyBackError(422, 'TRANSACTION_DISPUTED', 'The capture has an open dispute; it cannot be refunded until the dispute is resolved.');
  const minor = amountIn(c, pos.remaining, b);
  if (minor > pos.remaining) throw new MoneyBackError(422, 'REFUND_AMOUNT_EXCEEDED', 'The refund amount must be less than or equal to the capture amount that has not yet been refunded.');
  const r = {
    id: newResourceId(), capture_id: c.id, client_id: c.client_id, status: 'COMPLETED', currency: c.currency, amount_minor: minor,
    custom_id: client === undefined ? null : s(b, 'custom_id') ?? null, invoice_id: s(b, 'invoice_id') ?? null, note_to_payer: s(b, 'note_to_payer') ?? null, created_at: sim.now(),
  };
  sim.store.insertRefund(r);
  restate(sim, c, c.refunded_minor + minor);
  const view = refundView(sim, r);
  sim.notifier.emit(c.client_id, { event_type: 'PAYMENT.CAPTURE.REFUNDED', resource_type: 'refund', summary: `A ${money(c.currency, minor).value} ${c.currency} capture payment was refunded`, resource: view });
  return { status: 201, body: view };
}

/** A chargeback or PayPal reversing the capture: the money is gone, nothing to contest. */
export function reverseCapture(sim: SimContext, captureId: string, body: unknown): Answer {
  const b = isObj(body) ? body : {};
  const c = paidCapture(sim, undefined, captureId);
  const pos = position(sim, c);
  const minor = amountIn(c, pos.remaining, b);
  if (minor > pos.remaining) throw new MoneyBackError(422, 'REFUND_AMOUNT_EXCEEDED', 'cannot reverse more than is left on the capture');
  const r = { id: newResourceId(), capture_id: c.id, client_id: c.client_id, currency: c.currency, amount_minor: minor, reason: s(b, 'reason') ?? 'CHARGEBACK', created_at: sim.now() };
  sim.store.insertReversal(r);
  restate(sim, c, c.refunded_minor);
  const view = reversalView(sim, r);
  sim.notifier.emit(c.client_id, { event_type: 'PAYMENT.CAPTURE.REVERSED', resource_type: 'refund', summary: `A ${money(c.currency, minor).value} ${c.currency} capture payment was reversed`, resource: view });
  return { status: 201, body: view };
}

const newDisputeId = (sim: SimContext): string => {
  for (;;) {
    const id = `PP-D-${randomInt(10_000, 100_000_000)}`;
    if (!sim.store.getDispute(id)) return id;
  }
};

function emitDispute(sim: SimContext, d: DisputeRow, eventType: string, summary: string): Answer {
  const view = disputeView(sim, d);
  sim.notifier.emit(d.client_id, { event_type: eventType, resource_type: 'dispute', summary, resource: view });
  return { status: 201, body: view };
}

/** The buyer opens a dispute on a paid capture (an inquiry with PayPal, or a chargeback with the card issuer). */
export function openDispute(sim: SimContext, captureId: string, body: unknown): Answer {
  const b = isObj(body) ? body : {};
  const c = paidCapture(sim, undefined, captureId);
  const pos = position(sim, c);
  const reason = s(b, 'reason') ?? 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED';
  if (!(DISPUTE_REASONS as readonly string[]).includes(reason)) throw new MoneyBackError(400, 'INVALID_PARAMETER_VALUE', `reason must be one of ${DISPUTE_REASONS.join(', ')}`);
  const minor = amountIn(c, c.amount_minor - pos.refunded - pos.taken, b);
  if (minor > c.amount_minor - pos.refunded - pos.taken) throw new MoneyBackError(422, 'INVALID_PARAMETER_VALUE', 'cannot dispute more than is left on the capture');
  const now = sim.now();
  const d: DisputeRow = {
    id: newDisputeId(sim), capture_id: c.id, client_id: c.client_id, status: 'OPEN', outcome: null, reason, stage: b.channel === 'chargeback' ? 'CHARGEBACK' : 'INQUIRY',
    currency: c.currency, amount_minor: minor, created_at: now, updated_at: now,
  };
  sim.store.insertDispute(d);
  return emitDispute(sim, d, 'CUSTOMER.DISPUTE.CREATED', `A new dispute opened with Case # ${d.id}`);
}

function openDisputeRow(sim: SimContext, id: string): DisputeRow {
  const d = sim.store.getDispute(id);
  if (!d) throw new MoneyBackError(404, 'INVALID_RESOURCE_ID', 'The specified resource does not exist (dispute).');
  if (!isOpen(d)) throw new MoneyBackError(422, 'DISPUTE_RESOLVED', `dispute ${d.id} is already resolved (${d.outcome ?? ''})`);
  return d;
}

/** The case moves on (waiting for the seller, under PayPal's review …): CUSTOMER.DISPUTE.UPDATED. */
export function moveDispute(sim: SimContext, id: string, body: unknown): Answer {
  const b = isObj(body) ? body : {};
  const d = openDisputeRow(sim, id);
  const status = s(b, 'status') ?? '';
  if (!(OPEN_DISPUTE_STATUSES as readonly string[]).includes(status)) throw new MoneyBackError(400, 'INVALID_PARAMETER_VALUE', `status must be one of ${OPEN_DISPUTE_STATUSES.join(', ')} (resolve with /resolve)`);
  // A case that goes to PayPal's review has been escalated to a claim.
  const stage = status === 'UNDER_REVIEW' && d.stage === 'INQUIRY' ? 'CHARGEBACK' : d.stage;
  sim.store.updateDispute(d.id, { status, outcome: null, stage, updated_at: sim.now() });
  return emitDispute(sim, { ...d, status, stage }, 'CUSTOMER.DISPUTE.UPDATED', `A dispute was updated with Case # ${d.id}`);
}

/** PayPal decides: CUSTOMER.DISPUTE.RESOLVED; a decision for the buyer takes the disputed amount off the capture. */
export function resolveDispute(sim: SimContext, id: string, body: unknown): Answer {
  const b = isObj(body) ? body : {};
  const d = openDisputeRow(sim, id);
  const outcome = s(b, 'outcome') ?? '';
  if (!(DISPUTE_OUTCOMES as readonly string[]).includes(outcome)) throw new MoneyBackError(400, 'INVALID_PARAMETER_VALUE', `outcome must be one of ${DISPUTE_OUTCOMES.join(', ')}`);
  const now = sim.now();
  sim.store.updateDispute(d.id, { status: 'RESOLVED', outcome, stage: d.stage, updated_at: now });
  const c = sim.store.getCapture(d.capture_id);
  if (c) restate(sim, c, c.refunded_minor);
  return emitDispute(sim, { ...d, status: 'RESOLVED', outcome, updated_at: now }, 'CUSTOMER.DISPUTE.RESOLVED', `A dispute was resolved with case # ${d.id}`);
}

/** Runs a money-back action in one store transaction and turns its refusals into PayPal error answers. */
export function answer(sim: SimContext, fn: () => Answer, error: (status: number, name: string, message: string, issue: string) => Answer): Answer {
  try {
    return sim.store.transaction(fn);
  } catch (err) {
    if (!(err instanceof MoneyBackError)) throw err;
    return error(err.status, err.status === 404 ? 'RESOURCE_NOT_FOUND' : err.status === 400 ? 'INVALID_REQUEST' : 'UNPROCESSABLE_ENTITY', err.message, err.issue);
  }
}
