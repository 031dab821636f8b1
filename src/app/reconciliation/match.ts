/**
 * Matching one batch of bill rows against the ledger: pure, so every rule is a line here and
 * a case in match.test.ts. Each row either matches (recorded with its fee, so the day's
 * successes the bill never listed can be found afterwards) or becomes one difference, the
 * first that applies of: currency, amount, missing locally, status. Refund rows are matched
 * against refunds the same way.
 */
import type { BillRow } from '../../connectors/bills.js';
import type { DifferenceClass } from '../../domain/reconciliation.js';
import type { NewDifference } from '../../infra/db/repos/reconciliation-differences.js';
import type { LedgerAttempt, LedgerRefund } from '../../infra/db/repos/reconciliation-ledger.js';
import type { ReconciliationMatchRow } from '../../infra/db/schema.js';

export interface BatchLedger {
  attempts: readonly LedgerAttempt[];
  refunds: readonly LedgerRefund[];
}

export interface BatchResult {
  matches: ReconciliationMatchRow[];
  differences: NewDifference[];
  /** Local refunds the bill listed (the day's others are then missing at the provider). */
  seenRefunds: string[];
}

/** What a difference records of the bill's row. */
export function rowFacts(row: BillRow): Record<string, unknown> {
  return {
    line: row.line, kind: row.kind, status: row.status, amount: row.amount, currency: row.currency, fee: row.fee,
    occurred_at: new Date(row.occurredAt).toISOString(),
    ...(row.refundReference !== null ? { refund_reference: row.refundReference } : {}),
    ...(row.providerRefundId !== null ? { provider_refund_id: row.providerRefundId } : {}),
  };
}

const attemptFacts = (a: LedgerAttempt) => ({ payment_status: a.payment_status, attempt_status: a.attempt_status, amount: a.amount, currency: a.currency });
const refundFacts = (r: LedgerRefund) => ({ refund_status: r.status, amount: r.amount, currency: r.currency });

function difference(cls: DifferenceClass, key: string, row: BillRow, a: LedgerAttempt | undefined, extra: Partial<NewDifference> = {}): NewDifference {
  return {
    class: cls, key,
    payment_id: a?.payment_id ?? null, attempt_id: a?.attempt_id ?? null, refund_id: null,
    reference: a?.provider_reference ?? row.reference, provider_transaction_id: row.providerTransactionId ?? a?.provider_transaction_id ?? null,
    expected: a ? JSON.stringify(attemptFacts(a)) : null, actual: JSON.stringify(rowFacts(row)),
    ...extra,
  };
}

/** The ledger's attempt for a row: by Paygate's reference first, the provider's id second. */
function attemptFor(row: BillRow, byRef: Map<string, LedgerAttempt>, byTxn: Map<string, LedgerAttempt>): LedgerAttempt | undefined {
  return (row.reference !== null ? byRef.get(row.reference) : undefined) ?? (row.providerTransactionId !== null ? byTxn.get(row.providerTransactionId) : undefined);
}

function paymentRow(row: BillRow, a: LedgerAttempt | undefined, runId: string, execution: number, out: BatchResult): void {
  const tradeKey = `trade:${row.providerTransactionId ?? row.reference ?? `line-${row.line}`}`;
  if (a === undefined) {
    // A closed trade nobody here knows moved no money: nothing to reconcile.
    if (row.status === 'succeeded') out.differences.push(difference('missing_locally', tradeKey, row, undefined));
    return;
  }
  const key = `attempt:${a.attempt_id}`;
  const paidHere = row.status === 'succeeded';
  out.matches.push({ run_id: runId, execution, attempt_id: a.attempt_id, payment_id: a.payment_id, fee: paidHere ? row.fee : null, net: paidHere && row.fee !== null ? row.amount - row.fee : null });
  if (row.currency !== a.currency) out.differences.push(difference('currency_mismatch', key, row, a));
  else if (row.amount !== a.amount) out.differences.push(difference('amount_mismatch', key, row, a));
  else if (paidHere && a.attempt_status !== 'succeeded') out.differences.push(difference('missing_locally', key, row, a));
  else if (!paidHere && row.status === 'closed' && a.attempt_status === 'succeeded') out.differences.push(difference('status_mismatch', key, row, a));
}

function refundRow(row: BillRow, a: LedgerAttempt | undefined, refunds: BatchLedger['refunds'], out: BatchResult): void {
  const local = refunds.find((r) => (row.refundReference !== null && r.provider_reference === row.refundReference) || (row.providerRefundId !== null && r.provider_refund_id === row.providerRefundId));
  const key = `refund:${local?.refund_id ?? row.providerRefundId ?? row.refundReference ?? `line-${row.line}`}`;
  const differ = (why: string) => out.differences.push(difference('refund_mismatch', key, row, a, {
    refund_id: local?.refund_id ?? null, payment_id: local?.payment_id ?? a?.payment_id ?? null,
    expected: local ? JSON.stringify({ ...refundFacts(local), why }) : JSON.stringify({ why }),
  }));
  if (local === undefined) {
    if (row.status === 'succeeded') differ('the provider lists a refund Paygate does not have');
    return;
  }
  out.seenRefunds.push(local.refund_id);
  if (row.amount !== local.amount || row.currency !== local.currency) differ('the refund was listed with another amount or currency');
  else if (row.status === 'succeeded' && local.status !== 'succeeded') differ(`the provider refunded, Paygate shows the refund ${local.status}`);
  else if (row.status !== 'succeeded' && local.status === 'succeeded') differ(`Paygate shows the refund succeeded, the provider lists it ${row.status}`);
}

export function matchBatch(rows: readonly BillRow[], ledger: BatchLedger, runId: string, execution: number): BatchResult {
  const byRef = new Map<string, LedgerAttempt>();
  const byTxn = new Map<string, LedgerAttempt>();
  for (const a of ledger.attempts) {
    byRef.set(a.provider_reference, a);
    if (a.provider_transaction_id !== null) byTxn.set(a.provider_transaction_id, a);
  }
  const out: BatchResult = { matches: [], differences: [], seenRefunds: [] };
  for (const row of rows) {
    const a = attemptFor(row, byRef, byTxn);
    if (row.kind === 'payment') paymentRow(row, a, runId, execution, out);
    else refundRow(row, a, ledger.refunds, out);
  }
  return out;
}

/** The ids a batch looks up. */
export function batchKeys(rows: readonly BillRow[]): { references: string[]; transactionIds: string[]; refundReferences: string[]; providerRefundIds: string[] } {
  const references = new Set<string>(), transactionIds = new Set<string>(), refundReferences = new Set<string>(), providerRefundIds = new Set<string>();
  for (const r of rows) {
    if (r.reference !== null) references.add(r.reference);
    else if (r.providerTransactionId !== null) transactionIds.add(r.providerTransactionId);
    if (r.kind === 'refund') {
      if (r.refundReference !== null) refundReferences.add(r.refundReference);
      if (r.providerRefundId !== null) providerRefundIds.add(r.providerRefundId);
    }
  }
  return { references: [...references], transactionIds: [...transactionIds], refundReferences: [...refundReferences], providerRefundIds: [...providerRefundIds] };
}
