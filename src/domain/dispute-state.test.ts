import { describe, expect, it } from 'vitest';
import { DISPUTE_STATUSES, disputeEventsFor, isDisputeKind, isDisputeStatus, lostAmount, nextDisputeStatus, paymentDisputed } from './dispute-state.js';

const JUNK: unknown[] = ['', 'OPEN', 'Won', 'closed', 'needs_response', ' lost', null, undefined, 0, 1, {}, [], 'toString', '__proto__', 'constructor', 'hasOwnProperty'];

describe('dispute state table', () => {
  it('lists every transition: open moves to won or lost, nothing else moves', () => {
    const table = Object.fromEntries(DISPUTE_STATUSES.map((from) => [from, Object.fromEntries(DISPUTE_STATUSES.map((to) => [to, nextDisputeStatus(from, to)]))]));
    expect(table).toEqual({
      open: { open: null, won: 'won', lost: 'lost' },
      won: { open: null, won: null, lost: null },
      lost: { open: null, won: null, lost: null },
    });
  });
  it('closed states never regress, whatever arrives in whatever order', () => {
    // Replaying any sequence of observations ends in the first decision reached.
    const seqs: string[][] = [['open', 'won', 'lost', 'open'], ['lost', 'won'], ['open', 'open', 'lost', 'lost', 'won']];
    for (const seq of seqs) {
      let s: string = 'open';
      for (const o of seq) s = nextDisputeStatus(s, o) ?? s;
      expect(s).toBe(seq.find((o) => o !== 'open'));
    }
  });
  it('junk as current or observed changes nothing (prototype keys included)', () => {
    for (const j of JUNK) {
      expect(isDisputeStatus(j)).toBe(false);
      expect(isDisputeKind(j)).toBe(false);
      for (const s of DISPUTE_STATUSES) {
        expect(nextDisputeStatus(j, s)).toBeNull();
        expect(nextDisputeStatus(s, j)).toBeNull();
      }
    }
  });
});

describe('dispute events', () => {
  it('a new dispute announces itself; reaching a decision closes it once', () => {
    expect(disputeEventsFor('dispute', null, 'open')).toEqual(['payment.disputed']);
    expect(disputeEventsFor('dispute', 'open', 'won')).toEqual(['dispute.closed']);
    expect(disputeEventsFor('dispute', 'open', 'lost')).toEqual(['dispute.closed']);
    expect(disputeEventsFor('dispute', 'open', 'open')).toEqual([]);
    expect(disputeEventsFor('dispute', 'won', 'won')).toEqual([]);
  });
  it('a dispute first seen already decided gets both events; a reversal only payment.disputed', () => {
    expect(disputeEventsFor('dispute', null, 'lost')).toEqual(['payment.disputed', 'dispute.closed']);
    expect(disputeEventsFor('reversal', null, 'lost')).toEqual(['payment.disputed']);
    expect(disputeEventsFor('reversal', 'lost', 'lost')).toEqual([]);
  });
});

describe('payment flag and lost money', () => {
  it('disputed while any is open or lost; not when all were won or none exists', () => {
    expect(paymentDisputed([])).toBe(false);
    expect(paymentDisputed(['won', 'won'])).toBe(false);
    expect(paymentDisputed(['won', 'open'])).toBe(true);
    expect(paymentDisputed(['lost'])).toBe(true);
    expect(paymentDisputed(['garbage'])).toBe(true);
  });
  it('only lost disputes take money', () => {
    expect(lostAmount([{ status: 'lost', amount: 300 }, { status: 'open', amount: 500 }, { status: 'won', amount: 100 }, { status: 'lost', amount: 50 }])).toBe(350);
  });
});
