import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { cancelPayment, createPayment, listPayments, loadPaymentApi, refreshPayment } from '../../app/payments/index.js';
import { createRefund, getRefund, listRefunds } from '../../app/refunds.js';
import { getDispute, listDisputes } from '../../app/disputes.js';
import type { AuthenticatedKey, KeyMode } from '../../app/merchants.js';
import { assertPaymentMode } from '../../app/modes.js';
import { disputeList, disputeObject, paymentList, paymentObject, refundList, refundObject } from './objects.js';
import { defineRoute } from '../define.js';
import { createPaymentBody, createRefundBody, disputeIdParams, getPaymentQuery, listDisputesQuery, listPaymentsQuery, listRefundsQuery, paymentIdParams, refundIdParams } from '../schemas.js';

/** Merchant routes always carry the key; its mode decides which provider accounts the request may reach. */
function modeOf(key: AuthenticatedKey | undefined): KeyMode {
  if (!key) throw new Error('merchant route reached without an authenticated key');
  return key.mode;
}

export function paymentRoutes(app: FastifyInstance, ctx: AppContext): void {
  defineRoute(app, ctx, { method: 'POST', url: '/v1/payments', response: paymentObject, summary: 'Create a payment (201), or return the existing one for the same merchant_order_id (200)', tag: 'Payments', auth: 'merchant', body: createPaymentBody, success: 201 },
    async ({ merchantId, body, key }) => {
      const r = await createPayment(ctx, merchantId, body, modeOf(key));
      return { status: r.status, body: r.payment };
    });
  defineRoute(app, ctx, { method: 'GET', url: '/v1/payments/{id}', response: paymentObject, summary: 'Retrieve a payment (?refresh=true asks the provider first)', tag: 'Payments', auth: 'merchant', params: paymentIdParams, query: getPaymentQuery },
    async ({ merchantId, params, query, key }) => ({ body: query.refresh === 'true' ? await refreshPayment(ctx, merchantId, params.id, modeOf(key)) : await loadPaymentApi(ctx, merchantId, params.id) }));
  defineRoute(app, ctx, { method: 'GET', url: '/v1/payments', response: paymentList, summary: 'List payments, newest first', tag: 'Payments', auth: 'merchant', query: listPaymentsQuery },
    async ({ merchantId, query }) => ({ body: await listPayments(ctx, merchantId, query) }));
  defineRoute(app, ctx, { method: 'POST', url: '/v1/payments/{id}/cancel', response: paymentObject, summary: 'Close the payment at the provider and cancel it (422 if already paid)', tag: 'Payments', auth: 'merchant', params: paymentIdParams },
    async ({ merchantId, params, key }) => ({ body: await cancelPayment(ctx, merchantId, params.id, modeOf(key)) }));

  defineRoute(app, ctx, { method: 'POST', url: '/v1/refunds', response: refundObject, summary: 'Refund a succeeded payment, partially or fully (amount optional = the rest)', tag: 'Refunds', auth: 'merchant', body: createRefundBody, success: 201 },
    async ({ merchantId, body, key }) => {
      // A refund reaches the paid attempt's account: only a key of that account's mode may ask for it.
      await assertPaymentMode(ctx, merchantId, body.payment_id, modeOf(key), 'payment_id');
      return { status: 201, body: await createRefund(ctx, merchantId, body) };
    });
  defineRoute(app, ctx, { method: 'GET', url: '/v1/refunds/{id}', response: refundObject, summary: 'Retrieve a refund', tag: 'Refunds', auth: 'merchant', params: refundIdParams },
    async ({ merchantId, params }) => ({ body: await getRefund(ctx, merchantId, params.id) }));
  defineRoute(app, ctx, { method: 'GET', url: '/v1/refunds', response: refundList, summary: 'List refunds, newest first', tag: 'Refunds', auth: 'merchant', query: listRefundsQuery },
    async ({ merchantId, query }) => ({ body: await listRefunds(ctx, merchantId, query) }));

  // Disputes and reversals are opened by the buyer or the provider, never through the API: read only.
  defineRoute(app, ctx, { method: 'GET', url: '/v1/disputes/{id}', response: disputeObject, summary: 'Retrieve a dispute or reversal', tag: 'Disputes', auth: 'merchant', params: disputeIdParams },
    async ({ merchantId, params }) => ({ body: await getDispute(ctx, merchantId, params.id) }));
  defineRoute(app, ctx, { method: 'GET', url: '/v1/disputes', response: disputeList, summary: 'List disputes and reversals, newest first (?payment_id, ?status)', tag: 'Disputes', auth: 'merchant', query: listDisputesQuery },
    async ({ merchantId, query }) => ({ body: await listDisputes(ctx, merchantId, query) }));
}
