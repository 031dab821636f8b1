/**
 * Use cases on an existing payment: read (with livemode), list, cancel, refresh. Cancel and
 * refresh reach the payment's provider account, so only a key of the payment's mode may ask.
 */
import { PaygateError } from '../domain/errors.js';
import { isTerminal } from '../domain/payment-state.js';
import { attemptsOf } from '../infra/db/repos/attempts.js';
import { listPayments as pageOfPayments, paymentOfMerchant } from '../infra/db/repos/payments.js';
import type { PaymentRow } from '../infra/db/schema.js';
import type { AppContext } from './context.js';
import type { KeyMode } from './merchants.js';
import { assertPaymentMode, liveAccounts, livemodeOf } from './modes.js';
import { paymentToApi } from './representations.js';
import { closeAtProvider, queryAtProvider } from './settle.js';
import { disputesOf } from './disputes.js';

export type PaymentApi = ReturnType<typeof paymentToApi>;

export async function loadPaymentApi(ctx: AppContext, merchantId: string, id: string): Promise<PaymentApi> {
  const p = await paymentOfMerchant(ctx.db, merchantId, id);
  if (!p) throw new PaygateError('PAYMENT.NOT_FOUND', `no payment ${id}`);
  return toApi(ctx, p);
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

/** Cancel: close at the provider first; only a confirmed close cancels (a paid trade wins). */
export async function cancelPayment(ctx: AppContext, merchantId: string, id: string, keyMode: KeyMode): Promise<PaymentApi> {
  const p = await paymentOfMerchant(ctx.db, merchantId, id);
  if (!p) throw new PaygateError('PAYMENT.NOT_FOUND', `no payment ${id}`);
  await assertPaymentMode(ctx, merchantId, id, keyMode);
  if (p.status === 'canceled') return toApi(ctx, p);
  if (isTerminal(p.status)) {
    throw new PaygateError('PAYMENT.STATE_FORBIDS_ACTION', `payment ${id} is ${p.status} and cannot be canceled${p.status === 'succeeded' ? '; refund it instead' : ''}`);
  }
  const outcome = await closeAtProvider(ctx, p, 'canceled');
  if (outcome.kind === 'failure') throw new PaygateError(outcome.failure.code, outcome.failure.message, { details: { payment_id: id } });
  const after = await loadPaymentApi(ctx, merchantId, id);
  if (after.status === 'succeeded') {
    throw new PaygateError('PAYMENT.STATE_FORBIDS_ACTION', `payment ${id} was paid before it could be closed; refund it instead`, { details: { payment_id: id } });
  }
  return after;
}

/** GET ?refresh=true: ask the provider now instead of waiting for a notification or poll. */
export async function refreshPayment(ctx: AppContext, merchantId: string, id: string, keyMode: KeyMode): Promise<PaymentApi> {
  const p = await paymentOfMerchant(ctx.db, merchantId, id);
  if (!p) throw new PaygateError('PAYMENT.NOT_FOUND', `no payment ${id}`);
  await assertPaymentMode(ctx, merchantId, id, keyMode);
  if (!isTerminal(p.status)) await queryAtProvider(ctx, p);
  return loadPaymentApi(ctx, merchantId, id);
}
