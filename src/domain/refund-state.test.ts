/** Every cell of the refund state table, written out, and junk that must change nothing. */
import { describe, expect, it } from 'vitest';
import { nextRefundStatus, REFUND_STATUSES, type RefundStatus } from './refund-state.js';

// Rows: the current status; columns in REFUND_STATUSES order: pending, succeeded, failed.
const EXPECTED: Record<RefundStatus, Array<RefundStatus | null>> = {
  pending: [null, 'succeeded', 'failed'],
  succeeded: [null, null, null],
  failed: [null, null, null],
};

describe('refund state table, cell by cell', () => {
  it('answers every cell as written above', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...REFUND_STATUSES].sort());
    for (const s of REFUND_STATUSES) expect(REFUND_STATUSES.map((o) => nextRefundStatus(s, o)), s).toEqual(EXPECTED[s]);
  });

  it('changes nothing for a status it does not know (junk is never stored as a status)', () => {
    for (const junk of ['', 'SUCCESS', 'Succeeded', 'toString', '__proto__', 'constructor']) {
      for (const s of REFUND_STATUSES) {
        expect(nextRefundStatus(s, junk as RefundStatus), `${s} × ${junk}`).toBeNull();
        expect(nextRefundStatus(junk as RefundStatus, s), `${junk} × ${s}`).toBeNull();
      }
    }
  });
});
