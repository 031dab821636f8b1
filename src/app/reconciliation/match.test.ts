import { describe, expect, it } from 'vitest';
import type { BillRow } from '../../connectors/bills.js';
import type { LedgerAttempt, LedgerRefund } from '../../infra/db/repos/reconciliation-ledger.js';
import { batchKeys, matchBatch } from './match.js';

const attempt = (n: number, over: Partial<LedgerAttempt> = {}): LedgerAttempt => ({
  attempt_id: `att_${n}`, payment_id: `pay_${n}`, provider_reference: `ref${n}`, provider_transaction_id: `txn${n}`,
  attempt_status: 'succeeded', payment_status: 'succeeded', amount: 1000, currency: 'CNY', ...over,
});
const row = (n: number, over: Partial<BillRow> = {}): BillRow => ({
  line: n, kind: 'payment', reference: `ref${n}`, providerTransactionId: `txn${n}`, refundReference: null, providerRefundId: null,
  status: 'succeeded', amount: 1000, currency: 'CNY', fee: 6, occurredAt: Date.UTC(2026, 11, 1, 4), ...over,
});
const refund = (over: Partial<LedgerRefund> = {}): LedgerRefund => ({
  refund_id: 're_1', payment_id: 'pay_1', attempt_id: 'att_1', provider_reference: 'rf1', provider_refund_id: 'prf1', status: 'succeeded', amount: 300, currency: 'CNY', updated_at: 0, ...over,
});
const classes = (r: ReturnType<typeof matchBatch>) => r.differences.map((d) => `${d.class} ${d.key}`);

describe('matching a batch of bill rows against the ledger', () => {
  it('a row that agrees is a match with its fee and net, and no difference', () => {
    const r = matchBatch([row(1)], { attempts: [attempt(1)], refunds: [] }, 'rcr_x', 3);
    expect(r.differences).toEqual([]);
    expect(r.matches).toEqual([{ run_id: 'rcr_x', execution: 3, attempt_id: 'att_1', payment_id: 'pay_1', fee: 6, net: 994 }]);
  });

  it('classes each disagreement, the first that applies: currency, amount, missing locally, status', () => {
    const r = matchBatch(
      [row(1, { currency: 'USD', amount: 5 }), row(2, { amount: 999 }), row(3), row(4, { status: 'closed' }), row(5, { reference: 'nobody', providerTransactionId: 'txn-unknown' })],
      { attempts: [attempt(1), attempt(2), attempt(3, { attempt_status: 'expired', payment_status: 'expired' }), attempt(4)], refunds: [] }, 'rcr_x', 1,
    );
    expect(classes(r)).toEqual([
      'currency_mismatch attempt:att_1', 'amount_mismatch attempt:att_2', 'missing_locally attempt:att_3', 'status_mismatch attempt:att_4', 'missing_locally trade:txn-unknown',
    ]);
    // Every known trade the bill listed counts as seen, fee only where money was taken.
    expect(r.matches.map((m) => [m.attempt_id, m.fee])).toEqual([['att_1', 6], ['att_2', 6], ['att_3', 6], ['att_4', null]]);
    const unknown = r.differences[4]!;
    expect(unknown.attempt_id).toBeNull();
    expect(JSON.parse(unknown.actual!)).toMatchObject({ line: 5, amount: 1000, currency: 'CNY', status: 'succeeded' });
  });

  it('a closed trade nobody here knows is not a difference; a known one found by the provider id when the reference is absent', () => {
    const r = matchBatch([row(7, { reference: null, status: 'closed' }), row(1, { reference: null })], { attempts: [attempt(1)], refunds: [] }, 'rcr_x', 1);
    expect(r.differences).toEqual([]);
    expect(r.matches.map((m) => m.attempt_id)).toEqual(['att_1']);
  });

  it('refund rows: unknown, another amount, pending here, succeeded here but not there; the matching one is seen', () => {
    const rrow = (over: Partial<BillRow>) => row(1, { kind: 'refund', refundReference: 'rf1', providerRefundId: 'prf1', amount: 300, fee: null, ...over });
    const ok = matchBatch([rrow({})], { attempts: [attempt(1)], refunds: [refund()] }, 'r', 1);
    expect(ok.differences).toEqual([]);
    expect(ok.seenRefunds).toEqual(['re_1']);
    const bad = matchBatch(
      [rrow({ refundReference: 'other', providerRefundId: 'prf-other' }), rrow({ amount: 200 })],
      { attempts: [attempt(1)], refunds: [refund()] }, 'r', 1,
    );
    expect(classes(bad)).toEqual(['refund_mismatch refund:prf-other', 'refund_mismatch refund:re_1']);
    const pending = matchBatch([rrow({})], { attempts: [attempt(1)], refunds: [refund({ status: 'pending' })] }, 'r', 1);
    expect(JSON.parse(pending.differences[0]!.expected!)).toMatchObject({ refund_status: 'pending' });
    const notThere = matchBatch([rrow({ status: 'pending' })], { attempts: [attempt(1)], refunds: [refund()] }, 'r', 1);
    expect(classes(notThere)).toEqual(['refund_mismatch refund:re_1']);
  });

  it('looks up references first and provider ids only for rows without one; refund ids for refund rows', () => {
    const k = batchKeys([row(1), row(2, { reference: null }), row(3, { kind: 'refund', refundReference: 'rf3', providerRefundId: 'p3' }), row(1)]);
    expect(k).toEqual({ references: ['ref1', 'ref3'], transactionIds: ['txn2'], refundReferences: ['rf3'], providerRefundIds: ['p3'] });
  });
});
