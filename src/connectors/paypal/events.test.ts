/**
 * Refund, reversal and dispute events → port values, on payloads shaped like PayPal's own
 * webhook samples (PAYMENT.CAPTURE.REVERSED / REFUNDED: a refund resource whose `up` link is
 * the capture; CUSTOMER.DISPUTE.*: a Disputes API v1 dispute), and listRefunds on an order.
 */
import { describe, expect, it } from 'vitest';
import type { WireResponse } from '../types.js';
import { paypalConnector } from './index.js';
import { mapEvent } from './notify.js';
import type { PaypalContext } from './request.js';
import { sent } from '../../test-support/wire.js';

const ctx: PaypalContext = {
  credentials: { clientId: 'cid', clientSecret: 'sec', webhookId: 'WH1' },
  baseUrl: 'https://api-m.sandbox.paypal.com', notifyUrl: 'http://127.0.0.1:9000/notify/paypal/pa_x', now: new Date('2025-01-01T00:00:00Z'), accessToken: 'TOKEN',
};
const res = (status: number, body: unknown): WireResponse => ({ status, headers: {}, body: JSON.stringify(body) });
const usd = (value: string) => ({ currency_code: 'USD', value });
const links = (refundId: string, captureId: string) => [
  { href: `https://api.paypal.com/v2/payments/refunds/${refundId}`, rel: 'self', method: 'GET' },
  { href: `https://api.paypal.com/v2/payments/captures/${captureId}`, rel: 'up', method: 'GET' },
];

/** PayPal's PAYMENT.CAPTURE.REVERSED sample resource (webhook event names page). */
const reversal = {
  seller_payable_breakdown: { gross_amount: usd('2.51'), paypal_fee: usd('0.00'), net_amount: usd('2.51'), total_refunded_amount: usd('2.51') },
  amount: usd('2.51'), update_time: '2018-08-15T14:30:10-07:00', create_time: '2018-08-15T14:30:10-07:00',
  links: links('09E71677NS257044M', '4L335234718889942'), id: '09E71677NS257044M', note_to_payer: 'Payment reversed', status: 'COMPLETED',
};

const dispute = (status: string, outcome?: string) => ({
  dispute_id: 'PP-D-27803', create_time: '2019-04-11T04:18:00.000Z', update_time: '2019-04-21T04:19:08.000Z', reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED', status,
  disputed_transactions: [{ seller_transaction_id: '3BC38643YC807283D', create_time: '2019-04-11T04:16:58.000Z', transaction_status: 'REVERSED', gross_amount: usd('192.00'), custom: 'att_1', invoice_number: 'att_1', buyer: { name: 'Sandbox Buyer' } }],
  dispute_amount: usd('96.00'), dispute_life_cycle_stage: 'CHARGEBACK', dispute_channel: 'INTERNAL',
  ...(outcome ? { dispute_outcome: { outcome_code: outcome, amount_refunded: usd('96.00') } } : {}),
  links: [{ href: 'https://api.paypal.com/v1/customer/disputes/PP-D-27803', rel: 'self', method: 'GET' }],
});

describe('paypal refund / reversal / dispute events', () => {
  it('an event type Paygate does not act on is acknowledged as ignored, even without a resource id', () => {
    expect(mapEvent('WH-1', 'BILLING.SUBSCRIPTION.CREATED', { status: 'APPROVAL_PENDING' })).toEqual({ ok: true, kind: 'ignored', notificationId: 'WH-1', eventType: 'BILLING.SUBSCRIPTION.CREATED' });
    expect(mapEvent('WH-1', 'PAYMENT.CAPTURE.PENDING', { id: 'C1' })).toMatchObject({ ok: true, kind: 'ignored' });
    // Types Paygate does act on still need their fields.
    expect(mapEvent('WH-1', 'PAYMENT.CAPTURE.COMPLETED', { status: 'COMPLETED' })).toMatchObject({ ok: false, code: 'NOTIFY.MALFORMED' });
  });

  it('PAYMENT.CAPTURE.REVERSED: a lost reversal of the capture named by the up link, keyed by the reversal id', () => {
    expect(mapEvent('WH-6F207351SC284371F-0KX52201050121307', 'PAYMENT.CAPTURE.REVERSED', reversal)).toEqual({
      ok: true, kind: 'dispute', notificationId: 'WH-6F207351SC284371F-0KX52201050121307', disputeKind: 'reversal', status: 'lost',
      providerDisputeId: '09E71677NS257044M', providerTransactionId: '4L335234718889942', providerStatus: 'PAYMENT.CAPTURE.REVERSED/COMPLETED', amount: 251, currency: 'USD',
    });
    // With custom_id (echoed from the capture) the reference comes along; supplementary_data wins over the link.
    const withIds = { ...reversal, custom_id: 'att_9', supplementary_data: { related_ids: { capture_id: 'CAPX' } }, status_details: { reason: 'CHARGEBACK' } };
    expect(mapEvent('WH-2', 'PAYMENT.CAPTURE.REVERSED', withIds)).toMatchObject({ reference: 'att_9', providerTransactionId: 'CAPX', reason: 'CHARGEBACK' });
    expect(mapEvent('WH-3', 'PAYMENT.CAPTURE.REVERSED', { ...reversal, links: [links('R', 'C')[0]] })).toMatchObject({ ok: false, code: 'NOTIFY.MALFORMED' });
    expect(mapEvent('WH-3', 'PAYMENT.CAPTURE.REVERSED', { ...reversal, amount: { currency_code: 'XXX', value: '1' } })).toMatchObject({ ok: false, code: 'NOTIFY.MALFORMED' });
  });

  it('CUSTOMER.DISPUTE.*: keyed by dispute_id, locates the capture (seller_transaction_id) and the reference (custom)', () => {
    expect(mapEvent('WH-D1', 'CUSTOMER.DISPUTE.CREATED', dispute('OPEN'))).toEqual({
      ok: true, kind: 'dispute', notificationId: 'WH-D1', disputeKind: 'dispute', providerDisputeId: 'PP-D-27803', status: 'open', providerStatus: 'OPEN',
      amount: 9600, currency: 'USD', providerTransactionId: '3BC38643YC807283D', reference: 'att_1', reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED',
    });
    expect(mapEvent('WH-D2', 'CUSTOMER.DISPUTE.UPDATED', dispute('UNDER_REVIEW'))).toMatchObject({ status: 'open', providerStatus: 'UNDER_REVIEW' });
    expect(mapEvent('WH-D3', 'CUSTOMER.DISPUTE.RESOLVED', dispute('RESOLVED', 'RESOLVED_SELLER_FAVOUR'))).toMatchObject({ status: 'won', providerStatus: 'RESOLVED/RESOLVED_SELLER_FAVOUR' });
    expect(mapEvent('WH-D4', 'CUSTOMER.DISPUTE.RESOLVED', dispute('RESOLVED', 'RESOLVED_BUYER_FAVOUR'))).toMatchObject({ status: 'lost' });
    expect(mapEvent('WH-D5', 'CUSTOMER.DISPUTE.RESOLVED', dispute('RESOLVED', 'SOMETHING_NEW'))).toMatchObject({ status: 'open' });
    const noTx = { ...dispute('OPEN'), disputed_transactions: [] };
    expect(mapEvent('WH-D6', 'CUSTOMER.DISPUTE.CREATED', noTx)).toMatchObject({ ok: false, code: 'NOTIFY.MALFORMED' });
    const { dispute_id: _, ...noId } = dispute('OPEN');
    expect(mapEvent('WH-D7', 'CUSTOMER.DISPUTE.CREATED', noId)).toMatchObject({ ok: false, code: 'NOTIFY.MALFORMED' });
  });

  it('PAYMENT.CAPTURE.REFUNDED: Paygate refunds by custom_id; one made in PayPal has no refund reference and names its capture', () => {
    const ours = { id: 'R1', status: 'COMPLETED', amount: usd('3.00'), custom_id: 'att_1:re_1', invoice_id: 're_1', seller_payable_breakdown: { total_refunded_amount: usd('5.00') }, links: links('R1', 'C1') };
    expect(mapEvent('WH-R1', 'PAYMENT.CAPTURE.REFUNDED', ours)).toEqual({
      ok: true, kind: 'refund', notificationId: 'WH-R1', reference: 'att_1', refundReference: 're_1', status: 'succeeded', providerStatus: 'COMPLETED', amount: 300, currency: 'USD', providerRefundId: 'R1', refundedTotal: 500,
    });
    // PayPal's own PAYMENT.CAPTURE.REFUNDED sample: no custom_id, the capture only in links.
    const outside = { id: '1Y107995YT783435V', status: 'COMPLETED', amount: usd('0.99'), seller_payable_breakdown: { gross_amount: usd('0.99'), total_refunded_amount: usd('0.99') }, links: links('1Y107995YT783435V', '0JF852973C016714D') };
    const v = mapEvent('WH-R2', 'PAYMENT.CAPTURE.REFUNDED', outside);
    expect(v).toEqual({
      ok: true, kind: 'refund', notificationId: 'WH-R2', reference: '', providerTransactionId: '0JF852973C016714D', status: 'succeeded', providerStatus: 'COMPLETED', amount: 99, currency: 'USD', providerRefundId: '1Y107995YT783435V', refundedTotal: 99,
    });
    expect(v.ok && v.kind === 'refund' && 'refundReference' in v).toBe(false);
    // A custom_id that is not Paygate's "<reference>:<refund reference>" is not ours either.
    expect(mapEvent('WH-R3', 'PAYMENT.CAPTURE.REFUNDED', { ...outside, custom_id: 'a:b:c' })).toMatchObject({ reference: '', providerTransactionId: '0JF852973C016714D' });
    expect(mapEvent('WH-R4', 'PAYMENT.CAPTURE.REFUNDED', { ...outside, links: [] })).toMatchObject({ ok: false, code: 'NOTIFY.MALFORMED' });
  });
});

describe('paypal listRefunds', () => {
  const order = { reference: 'att_1', providerOrderId: 'O1', amount: 1000, currency: 'USD' };
  const unit = (refunds: unknown[]) => ({ purchase_units: [{ amount: usd('10.00'), custom_id: 'att_1', payments: { captures: [{ id: 'C1', status: 'PARTIALLY_REFUNDED', amount: usd('10.00') }], refunds } }] });

  it('GETs the order and returns every refund, ours with their reference', () => {
    const req = sent(paypalConnector.listRefunds!.build(ctx, order));
    expect(req).toMatchObject({ method: 'GET', url: 'https://api-m.sandbox.paypal.com/v2/checkout/orders/O1' });
    expect(req.headers.authorization).toBe('Bearer TOKEN');
    const body = unit([
      { id: 'R1', status: 'COMPLETED', amount: usd('3.00'), custom_id: 'att_1:re_1', invoice_id: 're_1' },
      { id: 'R2', status: 'PENDING', amount: usd('2.00') },
      { id: 'R3', status: 'COMPLETED', amount: usd('1.00'), custom_id: 'att_2:re_9' },
    ]);
    expect(paypalConnector.listRefunds!.parse(ctx, order, res(200, body))).toEqual({ ok: true, refunds: [
      { providerRefundId: 'R1', refundReference: 're_1', amount: 300, currency: 'USD', status: 'succeeded', providerStatus: 'COMPLETED' },
      { providerRefundId: 'R2', amount: 200, currency: 'USD', status: 'pending', providerStatus: 'PENDING' },
      // Another order's key is not this order's refund reference.
      { providerRefundId: 'R3', amount: 100, currency: 'USD', status: 'succeeded', providerStatus: 'COMPLETED' },
    ] });
    expect(paypalConnector.listRefunds!.parse(ctx, order, res(200, { purchase_units: [{ amount: usd('10.00') }] }))).toEqual({ ok: true, refunds: [] });
  });

  it('a refund in another currency or without an id is a bad answer; HTTP failures keep their class', () => {
    expect(paypalConnector.listRefunds!.parse(ctx, order, res(200, unit([{ id: 'R1', status: 'COMPLETED', amount: { currency_code: 'EUR', value: '3.00' } }])))).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE' });
    expect(paypalConnector.listRefunds!.parse(ctx, order, res(200, unit([{ status: 'COMPLETED', amount: usd('3.00') }])))).toMatchObject({ ok: false, code: 'CONNECTOR.BAD_RESPONSE' });
    expect(paypalConnector.listRefunds!.parse(ctx, order, res(503, {}))).toMatchObject({ ok: false, retryable: true });
    expect(paypalConnector.listRefunds!.parse(ctx, order, res(404, { name: 'RESOURCE_NOT_FOUND' }))).toMatchObject({ ok: false, code: 'CONNECTOR.REJECTED' });
  });
});
