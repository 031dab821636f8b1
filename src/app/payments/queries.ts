/**
 * Reading payments: one (with its attempts, livemode and disputes) or a page of them. A
 * merchant only ever sees its own: another merchant's payment id reads as not found.
 */
import { PaygateError } from '../../domain/errors.js';
import { attemptsOf } from '../../infra/db/repos/attempts.js';
import { listPayments as pageOfPayments, paymentOfMerchant, type Payment } from '../../infra/db/repos/payments.js';
import type { PaymentRow } from '../../infra/db/schema.js';
import type { AppContext } from '../context.js';
import { disputesOf } from '../disputes.js';
import type { KeyMode } from '../merchants.js';
import { assertPaymentMode, liveAccounts, livemodeOf } from '../modes.js';
import { paymentToApi } from '../representations.js';

export type PaymentApi = ReturnType<typeof paymentToApi>;

/**
 * The merchant's payment, or PAYMENT.NOT_FOUND. With `keyMode`, only a key of the payment's
 * mode may go on (what reaches the provider account: cancel, refresh).
 */
export async function merchantPayment(ctx: AppContext, merchantId: string, id: string, keyMode?: KeyMode): Promise<Payment> {
  const p = await paymentOfMerchant(ctx.db, merchantId, id);
  if (!p) throw new PaygateError('PAYMENT.NOT_FOUND', `no payment ${id}`);
  if (keyMode) await assertPaymentMode(ctx, merchantId, id, keyMode);
  return p;
}

export async function loadPaymentApi(ctx: AppContext, merchantId: string, id: string): Promise<PaymentApi> {
  return toApi(ctx, await merchantPayment(ctx, merchantId, id));
}

export async function toApi(ctx: AppContext, p: PaymentRow): Promise<PaymentApi> {
  const attempts = await attemptsOf(ctx.db, [p.id]);
  return paymentToApi(p, attempts, ctx.publicUrl(), livemodeOf(attempts, await liveAccounts(ctx, attempts.map((a) => a.provider_account_id))), await disputesOf(ctx, [p.id]));
}

export interface ListPaymentsQuery { merchant_order_id?: string | undefined; status?: string | undefined; limit: number; starting_after?: string | undefined }

export async function listPayments(ctx: AppContext, merchantId: string, q: ListPaymentsQuery) {
  const rows = await pageOfPayments(ctx.db, merchantId, { merchantOrderId: q.merchant_order_id, status: q.status, startingAfter: q.starting_after, limit: q.limit });
  const page = rows.slice(0, q.limit);
  const ids = page.map((p) => p.id);
  const attempts = await attemptsOf(ctx.db, ids);
  const live = await liveAccounts(ctx, attempts.map((a) => a.provider_account_id));
  const disputes = await disputesOf(ctx, page.filter((p) => p.disputed === 1).map((p) => p.id));
  return {
    object: 'list' as const,
    data: page.map((p) => {
      const own = attempts.filter((a) => a.payment_id === p.id);
      return paymentToApi(p, own, ctx.publicUrl(), livemodeOf(own, live), disputes.filter((d) => d.payment_id === p.id));
    }),
    has_more: rows.length > q.limit,
  };
}
