import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { cancelPayment, createPayment, listPayments, loadPaymentApi, refreshPayment } from '../../app/payments.js';
import { createRefund, getRefund, listRefunds } from '../../app/refunds.js';
import { defineRoute } from '../define.js';
import { createPaymentBody, createRefundBody, getPaymentQuery, listPaymentsQuery, listRefundsQuery, paymentIdParams, refundIdParams } from '../schemas.js';

export function paymentRoutes(app: FastifyInstance, ctx: AppContext): void {
  defineRoute(app, ctx, { method: 'POST', url: '/v1/payments', summary: 'Create a payment (201), or return the existing one for the same merchant_order_id (200)', tag: 'Payments', auth: 'merchant', body: createPaymentBody, success: 201 },
    async ({ merchantId, body }) => {
      const r = await createPayment(ctx, merchantId, body);
      return { status: r.status, body: r.payment };
    });
  defineRoute(app, ctx, { method: 'GET', url: '/v1/payments/{id}', summary: 'Retrieve a payment (?refresh=true asks the provider first)', tag: 'Payments', auth: 'merchant', params: paymentIdParams, query: getPaymentQuery },
    async ({ merchantId, params, query }) => ({ body: query.refresh === 'true' ? await refreshPayment(ctx, merchantId, params.id) : await loadPaymentApi(ctx, merchantId, params.id) }));
  defineRoute(app, ctx, { method: 'GET', url: '/v1/payments', summary: 'List payments, newest first', tag: 'Payments', auth: 'merchant', query: listPaymentsQuery },
    async ({ merchantId, query }) => ({ body: await listPayments(ctx, merchantId, query) }));
  defineRoute(app, ctx, { method: 'POST', url: '/v1/payments/{id}/cancel', summary: 'Close the payment at the provider and cancel it (422 if already paid)', tag: 'Payments', auth: 'merchant', params: paymentIdParams },
    async ({ merchantId, params }) => ({ body: await cancelPayment(ctx, merchantId, params.id) }));

  defineRoute(app, ctx, { method: 'POST', url: '/v1/refunds', summary: 'Refund a succeeded payment, partially or fully (amount optional = the rest)', tag: 'Refunds', auth: 'merchant', body: createRefundBody, success: 201 },
    async ({ merchantId, body }) => ({ status: 201, body: await createRefund(ctx, merchantId, body) }));
  defineRoute(app, ctx, { method: 'GET', url: '/v1/refunds/{id}', summary: 'Retrieve a refund', tag: 'Refunds', auth: 'merchant', params: refundIdParams },
    async ({ merchantId, params }) => ({ body: await getRefund(ctx, merchantId, params.id) }));
  defineRoute(app, ctx, { method: 'GET', url: '/v1/refunds', summary: 'List refunds, newest first', tag: 'Refunds', auth: 'merchant', query: listRefundsQuery },
    async ({ merchantId, query }) => ({ body: await listRefunds(ctx, merchantId, query) }));
}
