import { describe, expect, it } from 'vitest';
import { nextPaymentStatus, PAYMENT_OBSERVATIONS, PAYMENT_STATUSES, isTerminal } from './payment-state.js';
import { nextRefundStatus, refundableAmount } from './refund-state.js';
import { newId, hasPrefix } from './ids.js';

const OBS = PAYMENT_OBSERVATIONS;

describe('payment state table', () => {
  it('moves forward from open states', () => {
    expect(nextPaymentStatus('requires_action', 'processing')).toBe('processing');
    expect(nextPaymentStatus('requires_action', 'succeeded')).toBe('succeeded');
    expect(nextPaymentStatus('processing', 'succeeded')).toBe('succeeded');
    expect(nextPaymentStatus('processing', 'expired')).toBe('expired');
    expect(nextPaymentStatus('requires_action', 'pending')).toBeNull();
    expect(nextPaymentStatus('processing', 'processing')).toBeNull();
  });
  it('opens a payment held for review only on approval', () => {
    expect(nextPaymentStatus('requires_review', 'approved')).toBe('requires_action');
    expect(nextPaymentStatus('requires_review', 'pending')).toBeNull();
    expect(nextPaymentStatus('requires_review', 'processing')).toBeNull();
    for (const s of PAYMENT_STATUSES.filter((x) => x !== 'requires_review')) expect(nextPaymentStatus(s, 'approved'), s).toBeNull();
  });
  it('never regresses a terminal state; success after close is a conflict', () => {
    for (const s of PAYMENT_STATUSES.filter(isTerminal)) {
      for (const o of OBS) {
        const next = nextPaymentStatus(s, o);
        if (next !== null) {
          expect(o).toBe('succeeded');
          expect(next).toBe('conflict');
          expect(['canceled', 'expired', 'failed']).toContain(s);
        }
      }
    }
    expect(nextPaymentStatus('succeeded', 'processing')).toBeNull();
    expect(nextPaymentStatus('expired', 'succeeded')).toBe('conflict');
  });
});

describe('refund state table', () => {
  it('only pending moves', () => {
    expect(nextRefundStatus('pending', 'succeeded')).toBe('succeeded');
    expect(nextRefundStatus('pending', 'pending')).toBeNull();
    expect(nextRefundStatus('succeeded', 'failed')).toBeNull();
    expect(nextRefundStatus('failed', 'succeeded')).toBeNull();
  });
  it('reserves pending refunds', () => {
    expect(refundableAmount(1000, [{ amount: 300, status: 'pending' }, { amount: 200, status: 'succeeded' }, { amount: 400, status: 'failed' }])).toBe(500);
  });
});

describe('ids', () => {
  it('are prefixed, unique and time-ordered', () => {
    const a = newId('pay', 1_700_000_000_000);
    const b = newId('pay', 1_700_000_000_001);
    expect(hasPrefix(a, 'pay')).toBe(true);
    expect(a < b).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => newId('evt'))).size).toBe(1000);
  });
});
