import { describe, expect, it } from 'vitest';
import { FAILURE_CODES, declineFrom, defaultFailureMessage, failureOnClose, isFailureCode } from './failure-codes.js';
import { STRIPE_DECLINES } from '../connectors/stripe/declines.js';
import { WECHAT_DECLINES } from '../connectors/wechatpay/declines.js';
import { PAYPAL_DECLINES } from '../connectors/paypal/declines.js';
import { UNIONPAY_DECLINES } from '../connectors/unionpay/declines.js';

describe('failure codes', () => {
  it('every code has a message; provider tables map only onto the vocabulary', () => {
    for (const code of FAILURE_CODES) expect(defaultFailureMessage(code)).toMatch(/\.$/);
    for (const table of [STRIPE_DECLINES, WECHAT_DECLINES, PAYPAL_DECLINES, UNIONPAY_DECLINES]) for (const [k, v] of Object.entries(table)) expect(isFailureCode(v), k).toBe(true);
  });
  it('unknown and junk provider codes become declined_other with the provider code kept; never a prototype key', () => {
    for (const junk of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'SOMETHING_NEW', '']) {
      expect(declineFrom(STRIPE_DECLINES, junk)).toEqual({ code: 'declined_other', providerCode: junk, message: 'The payment was declined.' });
    }
    expect(declineFrom(STRIPE_DECLINES, 'insufficient_funds', '  Not enough.  ')).toEqual({ code: 'insufficient_funds', providerCode: 'insufficient_funds', message: 'Not enough.' });
    expect(declineFrom(STRIPE_DECLINES, 'fraudulent', ' ')).toMatchObject({ code: 'risk_declined', message: defaultFailureMessage('risk_declined') });
    expect(declineFrom(STRIPE_DECLINES, 'x', 'y'.repeat(900)).message).toHaveLength(500);
  });
  it('a final failure without a decline says what closed it', () => {
    expect(failureOnClose('expired').code).toBe('expired');
    expect(failureOnClose('failed').code).toBe('order_closed');
  });
});
