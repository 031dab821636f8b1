/**
 * One Stripe balance transaction (expanded with data.source) → a BillRow, or nothing for the
 * types reconciliation does not compare. Stripe's "bill" is the balance: every movement of
 * money on the account is a balance transaction, typed; charges and refunds are the ones
 * Paygate caused, the rest (payouts, fees billed apart, disputes, transfers …) are skipped
 * here and reconciled, if at all, elsewhere.
 */
import { BillError, type BillRow, type BillRowStatus } from '../bills.js';
import { REFERENCE_KEY } from './checkout.js';
import { REFUND_KEY } from './refund.js';
import { int, obj, str, type JsonObject } from './http.js';

type Treatment = 'payment' | 'refund' | 'skip';

/**
 * Every balance transaction type Stripe documents (API 2024-06-20, BalanceTransaction.type).
 * A type Stripe adds later is not guessed at: the run fails naming it, and this table grows.
 */
export const BALANCE_TYPES = {
  charge: 'payment',
  // The type of charges made with non-card payment methods through PaymentIntents.
  payment: 'payment',
  refund: 'refund',
  payment_refund: 'refund',
  // A refund that bounced puts the money back: the refund itself reads failed at Stripe
  // (refund.updated reaches Paygate); the bill's refund row stays what was sent.
  refund_failure: 'skip',
  payment_failure_refund: 'skip',
  payment_reversal: 'skip',
  payment_unreconciled: 'skip',
  // Disputes move money as adjustments; Paygate follows them through charge.dispute.* events.
  adjustment: 'skip',
  advance: 'skip',
  advance_funding: 'skip',
  anticipation_repayment: 'skip',
  application_fee: 'skip',
  application_fee_refund: 'skip',
  climate_order_purchase: 'skip',
  climate_order_refund: 'skip',
  connect_collection_transfer: 'skip',
  contribution: 'skip',
  issuing_authorization_hold: 'skip',
  issuing_authorization_release: 'skip',
  issuing_dispute: 'skip',
  issuing_transaction: 'skip',
  obligation_outbound: 'skip',
  obligation_reversal_inbound: 'skip',
  payment_network_reserve_hold: 'skip',
  payment_network_reserve_release: 'skip',
  payout: 'skip',
  payout_cancel: 'skip',
  payout_failure: 'skip',
  payout_minimum_balance_hold: 'skip',
  payout_minimum_balance_release: 'skip',
  reserve_transaction: 'skip',
  reserved_funds: 'skip',
  stripe_fee: 'skip',
  stripe_fx_fee: 'skip',
  tax_fee: 'skip',
  topup: 'skip',
  topup_reversal: 'skip',
  transfer: 'skip',
  transfer_cancel: 'skip',
  transfer_failure: 'skip',
  transfer_refund: 'skip',
} as const satisfies Record<string, Treatment>;

/** Charge.status: a listed charge that did not take the money is `closed`, never succeeded. */
export const CHARGE_STATUSES = { succeeded: 'succeeded', pending: 'pending', failed: 'closed' } as const satisfies Record<string, BillRowStatus>;

/** Refund.status: only a succeeded refund gave money back; failed and canceled ones did not. */
export const REFUND_STATUSES = {
  succeeded: 'succeeded', pending: 'pending', requires_action: 'pending', failed: 'closed', canceled: 'closed',
} as const satisfies Record<string, BillRowStatus>;

const invalid = (line: number, id: string, message: string) =>
  new BillError('RECON.BILL_ROW_INVALID', `Stripe balance transaction ${line} (${id}): ${message}`);

function lookup<T>(table: Readonly<Record<string, T>>, value: string | undefined, line: number, id: string, what: string): T {
  if (value !== undefined && Object.hasOwn(table, value)) return table[value] as T;
  throw invalid(line, id, `unknown ${what} ${JSON.stringify(value ?? null)}; add it to connectors/stripe/bill-rows.ts after checking what it means`);
}

const CURRENCY = /^[a-z]{3}$/;

/** Item `line` (1-based over all pages) of a day [from, to) in epoch ms. */
export function billRowOf(txn: JsonObject, line: number, from: number, to: number): BillRow | undefined {
  const id = str(txn, 'id') ?? '?';
  const treatment = lookup<Treatment>(BALANCE_TYPES, str(txn, 'type'), line, id, 'type');
  if (treatment === 'skip') return undefined;
  const created = int(txn, 'created');
  if (created === undefined || created * 1000 < from || created * 1000 >= to) {
    throw invalid(line, id, `created ${JSON.stringify(txn.created ?? null)} is not a unix time inside the requested day`);
  }
  const source = obj(txn, 'source');
  // Asked for with expand[]=data.source: without it the row has no reference to match by.
  if (!source) throw invalid(line, id, 'source is not expanded (the request asks for expand[]=data.source)');
  // A converted charge books the settlement currency; Paygate recorded the presentment one,
  // which the source keeps (its fee is then in the other currency: not reported).
  const converted = txn.exchange_rate !== null && txn.exchange_rate !== undefined;
  const booked = int(txn, 'amount');
  const presented = int(source, 'amount');
  const signed = !converted || booked === undefined || presented === undefined ? booked : Math.sign(booked) * presented;
  const currency = converted ? str(source, 'currency') : str(txn, 'currency');
  const fee = converted ? null : int(txn, 'fee');
  if (signed === undefined || signed === 0) throw invalid(line, id, `amount ${JSON.stringify(txn.amount ?? null)} is not a non-zero integer of minor units`);
  if (currency === undefined || !CURRENCY.test(currency)) throw invalid(line, id, `currency ${JSON.stringify(currency ?? null)} is not an ISO 4217 code`);
  if (!converted && fee === undefined) throw invalid(line, id, `fee ${JSON.stringify(txn.fee ?? null)} is not an integer`);
  const metadata = obj(source, 'metadata');
  const reference = str(metadata, REFERENCE_KEY) ?? null;
  const intent = str(source, 'payment_intent') ?? null;
  const common = { line, reference, providerTransactionId: intent, currency: currency.toUpperCase(), fee: fee ?? null, occurredAt: created * 1000 };
  if (treatment === 'payment') {
    // Charges are credits: a negative one is not a charge as Stripe documents it.
    if (signed < 0) throw invalid(line, id, `a ${String(txn.type)} of ${signed} (charges are positive)`);
    const status = lookup(CHARGE_STATUSES, str(source, 'status'), line, id, 'charge status');
    return { ...common, kind: 'payment', refundReference: null, providerRefundId: null, status, amount: signed };
  }
  if (signed > 0) throw invalid(line, id, `a ${String(txn.type)} of +${signed} (refunds are debits)`);
  const status = lookup(REFUND_STATUSES, str(source, 'status'), line, id, 'refund status');
  return { ...common, kind: 'refund', refundReference: str(metadata, REFUND_KEY) ?? null, providerRefundId: str(source, 'id') ?? null, status, amount: -signed };
}
