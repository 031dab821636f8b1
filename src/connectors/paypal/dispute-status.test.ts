import { describe, expect, it } from 'vitest';
import { DISPUTE_OUTCOMES, DISPUTE_STATUSES, isDisputeOutcome, isDisputeStatus, mapDisputeStatus } from './dispute-status.js';

describe('paypal dispute status table', () => {
  it('every status that is not RESOLVED is open, whatever the outcome says', () => {
    for (const s of DISPUTE_STATUSES.filter((x) => x !== 'RESOLVED')) {
      for (const o of [undefined, ...DISPUTE_OUTCOMES]) expect(mapDisputeStatus(s, o), `${s}/${String(o)}`).toBe('open');
    }
  });

  it('RESOLVED follows the outcome: the merchant keeps the money (won) or not (lost)', () => {
    const table = Object.fromEntries(DISPUTE_OUTCOMES.map((o) => [o, mapDisputeStatus('RESOLVED', o)]));
    expect(table).toEqual({
      RESOLVED_BUYER_FAVOUR: 'lost', RESOLVED_SELLER_FAVOUR: 'won', RESOLVED_WITH_PAYOUT: 'won', CANCELED_BY_BUYER: 'won',
      ACCEPTED: 'lost', DENIED: 'won', NONE: 'open',
    });
    expect(mapDisputeStatus('RESOLVED', undefined)).toBe('open');
  });

  it('unknown values and junk keys (prototype names) are open, never won', () => {
    for (const junk of ['', 'resolved', 'CLOSED', 'toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(isDisputeStatus(junk), junk).toBe(false);
      expect(isDisputeOutcome(junk), junk).toBe(false);
      expect(mapDisputeStatus(junk, 'RESOLVED_SELLER_FAVOUR'), junk).toBe('open');
      expect(mapDisputeStatus('RESOLVED', junk), junk).toBe('open');
    }
    expect(mapDisputeStatus(undefined, 'RESOLVED_SELLER_FAVOUR')).toBe('open');
  });
});
