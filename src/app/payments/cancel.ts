/**
 * Cancel and refresh: the two merchant actions on an existing payment that reach its
 * provider account, so only a key of the payment's mode may ask (merchantPayment).
 */
import { PaygateError } from '../../domain/errors.js';
import { isTerminal } from '../../domain/payment-state.js';
import type { AppContext } from '../context.js';
import type { KeyMode } from '../merchants.js';
import { closeAtProvider, queryAtProvider } from '../settle.js';
import { loadPaymentApi, merchantPayment, toApi, type PaymentApi } from './queries.js';

/** Cancel: close at the provider first; only a confirmed close cancels (a paid trade wins). */
export async function cancelPayment(ctx: AppContext, merchantId: string, id: string, keyMode: KeyMode): Promise<PaymentApi> {
  const p = await merchantPayment(ctx, merchantId, id, keyMode);
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
  const p = await merchantPayment(ctx, merchantId, id, keyMode);
  if (!isTerminal(p.status)) await queryAtProvider(ctx, p);
  return loadPaymentApi(ctx, merchantId, id);
}
