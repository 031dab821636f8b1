/** Every cell of the payment state table, written out, and junk that must change nothing. */
import { describe, expect, it } from 'vitest';
import { nextPaymentStatus, PAYMENT_OBSERVATIONS, PAYMENT_STATUSES, type PaymentObservation, type PaymentStatus } from './payment-state.js';

// Rows: the current status; columns in PAYMENT_OBSERVATIONS order:
//                                  pending  processing    succeeded    failed    canceled    expired    approved
const EXPECTED: Record<PaymentStatus, Array<PaymentStatus | null>> = {
  requires_review: /*           */ [null, null, 'succeeded', 'failed', 'canceled', 'expired', 'requires_action'],
  requires_action: /*           */ [null, 'processing', 'succeeded', 'failed', 'canceled', 'expired', null],
  processing: /*                */ [null, null, 'succeeded', 'failed', 'canceled', 'expired', null],
  succeeded: /*                 */ [null, null, null, null, null, null, null],
  failed: /*                    */ [null, null, 'conflict', null, null, null, null],
  canceled: /*                  */ [null, null, 'conflict', null, null, null, null],
  expired: /*                   */ [null, null, 'conflict', null, null, null, null],
  conflict: /*                  */ [null, null, null, null, null, null, null],
};

const JUNK = ['', 'PENDING', 'Succeeded', 'succeeded ', 'paid', 'toString', '__proto__', 'constructor', 'hasOwnProperty'];

describe('payment state table, cell by cell', () => {
  it('has a row for every status and a column for every observation', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...PAYMENT_STATUSES].sort());
    expect(PAYMENT_OBSERVATIONS).toEqual(['pending', 'processing', 'succeeded', 'failed', 'canceled', 'expired', 'approved']);
  });

  it('answers every cell as written above', () => {
    for (const s of PAYMENT_STATUSES) {
      const row = PAYMENT_OBSERVATIONS.map((o) => nextPaymentStatus(s, o));
      expect(row, s).toEqual(EXPECTED[s]);
    }
  });

  it('changes nothing for a status or observation it does not know', () => {
    for (const junk of JUNK) {
      for (const o of PAYMENT_OBSERVATIONS) expect(nextPaymentStatus(junk as PaymentStatus, o), `${junk} × ${o}`).toBeNull();
      for (const s of PAYMENT_STATUSES) expect(nextPaymentStatus(s, junk as PaymentObservation), `${s} × ${junk}`).toBeNull();
    }
  });
});
