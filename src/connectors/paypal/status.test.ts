import { describe, expect, it } from 'vitest';
import { CAPTURE_STATUSES, ORDER_STATUSES, mapCaptureStatus, mapOrderStatus } from './status.js';
import { PAYPAL_DECLINES, paypalDecline } from './declines.js';

describe('paypal status tables', () => {
  it('every documented order and capture status is mapped; a decline never counts as paid', () => {
    expect(Object.fromEntries(ORDER_STATUSES.map((s) => [s, mapOrderStatus(s)]))).toEqual({
      CREATED: 'pending', SAVED: 'pending', APPROVED: 'processing', VOIDED: 'failed', COMPLETED: 'processing', PAYER_ACTION_REQUIRED: 'pending',
    });
    expect(Object.fromEntries(CAPTURE_STATUSES.map((s) => [s, mapCaptureStatus(s)]))).toEqual({
      COMPLETED: 'succeeded', PARTIALLY_REFUNDED: 'succeeded', REFUNDED: 'succeeded', PENDING: 'processing', DECLINED: 'failed', FAILED: 'failed',
    });
  });
  it('unknown and junk keys: order pending, capture processing, decline declined_other', () => {
    for (const junk of ['toString', '__proto__', 'constructor', 'valueOf', 'NEW_STATUS', '', undefined]) {
      expect(mapOrderStatus(junk)).toBe('pending');
      expect(mapCaptureStatus(junk)).toBe('processing');
      if (junk !== undefined) expect(paypalDecline(junk).code).toBe('declined_other');
    }
    expect(Object.keys(PAYPAL_DECLINES)).toContain('INSTRUMENT_DECLINED');
  });
});
