import { describe, expect, it } from 'vitest';
import { POLL_DELAYS_S, pollDelayS } from './schedule.js';
import { connectorFor } from './connectors.js';

describe('poll schedule', () => {
  it('uses the provider schedule first, then the shared back-off', () => {
    const up = [1, 2, 4, 8, 16, 32];
    expect([0, 1, 2, 3, 4, 5].map((n) => pollDelayS(up, n))).toEqual(up);
    expect(pollDelayS(up, 6)).toBe(POLL_DELAYS_S[0]);
    expect(pollDelayS(up, 100)).toBe(POLL_DELAYS_S[POLL_DELAYS_S.length - 1]);
  });
  it('defaults to +60 s then backing off', () => {
    expect(pollDelayS(undefined, 0)).toBe(60);
    expect(pollDelayS(undefined, 1)).toBe(120);
  });
  it('UnionPay polls at 1, 2, 4, 8, 16, 32 s, then the shared back-off; others start at +60 s', () => {
    const up = connectorFor('unionpay')?.pollDelaysS;
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => pollDelayS(up, n))).toEqual([1, 2, 4, 8, 16, 32, 60]);
    for (const p of ['alipay', 'wechatpay', 'paypal', 'stripe']) expect(pollDelayS(connectorFor(p)?.pollDelaysS, 0)).toBe(60);
  });
});
