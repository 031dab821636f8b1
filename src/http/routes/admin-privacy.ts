/**
 * POST /admin/privacy/erase: remove one buyer's personal data (a data-subject request),
 * keeping amounts and ids for the books. The buyer is named by what Paygate can know of
 * them: the provider's buyer id (Alipay buyer_id, WeChat openid, PayPal payer_id, Stripe
 * cus_…), an e-mail, or a customer id; optionally only within one merchant.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { eraseBuyer } from '../../app/privacy.js';
import { erasureObject } from './objects.js';
import { defineRoute } from '../define.js';

const identifier = z.string().trim().min(1).max(320);

export const eraseBody = z.strictObject({
  provider_buyer_id: identifier.optional().meta({ description: 'The provider\'s id of the buyer: Alipay buyer_id / buyer_open_id, WeChat Pay openid, PayPal payer_id, Stripe customer (cus_…)' }),
  email: z.email().max(320).optional().meta({ description: 'The buyer\'s e-mail (PayPal payer, Stripe customer details), also matched in payment metadata; case-insensitive' }),
  customer_id: identifier.optional().meta({ description: 'The merchant\'s customer id: matched in payment metadata values (and in the customer index once payments carry a customer)' }),
  merchant_id: z.string().regex(/^mch_[0-9a-z]{26}$/, 'must be a mch_ id').optional().meta({ description: 'Erase only within this merchant\'s data' }),
}).refine((b) => b.provider_buyer_id !== undefined || b.email !== undefined || b.customer_id !== undefined, 'give at least one of provider_buyer_id, email, customer_id');

export function adminPrivacyRoutes(app: FastifyInstance, ctx: AppContext): void {
  defineRoute(app, ctx, {
    method: 'POST', url: '/admin/privacy/erase', response: erasureObject, tag: 'Admin', auth: 'admin', body: eraseBody,
    summary: 'Erase one buyer\'s personal data from payments (metadata, payer_country, return_url), their events and stored notifications; amounts and ids stay. Answers what was erased.',
  }, async ({ body }) => {
    const result = await eraseBuyer(ctx, body);
    // Counts only: the identifiers themselves are exactly what must not reach the log.
    ctx.log.info({ payments: result.payments, events: result.events, notifications: result.notifications, identifiers: result.identifiers }, 'buyer data erased');
    return { body: { object: 'privacy_erasure', ...result } };
  });
}
