/** Payment use cases: create, read, list, cancel, refresh. */
import { PaygateError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { isTerminal, type PaymentStatus } from '../domain/payment-state.js';
import { isUniqueViolation, type Tx } from '../infra/db/index.js';
import type { AttemptRow, PaymentRow } from '../infra/db/schema.js';
import { enqueue } from '../infra/jobs/queue.js';
import type { AppContext } from './context.js';
import { connectorFor, providerForMethod, type PaymentMethod } from './connectors.js';
import { loadAccount, type LoadedAccount } from './accounts.js';
import { callAccount } from './provider-auth.js';
import { observePayment } from './payment-transitions.js';
import { paymentToApi } from './representations.js';
import { pollDelayS } from './schedule.js';
import { closeAtProvider, queryAtProvider } from './settle.js';

export interface CreatePaymentInput {
  amount: number;
  currency: string;
  method: PaymentMethod;
  merchant_order_id: string;
  description?: string | undefined;
  expires_in_seconds?: number | undefined;
  return_url?: string | null | undefined;
  metadata?: Record<string, string> | undefined;
  provider_account_id?: string | null | undefined;
}

export type PaymentApi = ReturnType<typeof paymentToApi>;

export async function loadPaymentApi(ctx: AppContext, merchantId: string, id: string): Promise<PaymentApi> {
  const p = await ctx.db.selectFrom('payments').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
  if (!p) throw new PaygateError('PAYMENT.NOT_FOUND', `no payment ${id}`);
  return toApi(ctx, p);
}

async function toApi(ctx: AppContext, p: PaymentRow): Promise<PaymentApi> {
  const attempts = await ctx.db.selectFrom('attempts').selectAll().where('payment_id', '=', p.id).orderBy('id').execute();
  return paymentToApi(p, attempts, ctx.publicUrl());
}

async function pickAccount(ctx: AppContext, merchantId: string, provider: string, requested?: string | null): Promise<LoadedAccount> {
  let q = ctx.db.selectFrom('provider_accounts').select('id').where('merchant_id', '=', merchantId).where('provider', '=', provider);
  if (requested) q = q.where('id', '=', requested);
  const row = await q.orderBy('created_at').orderBy('id').executeTakeFirst();
  const acc = row && (await loadAccount(ctx, row.id));
  if (!acc) {
    throw new PaygateError('PAYMENT.NO_PROVIDER_ACCOUNT', requested
      ? `provider account ${requested} does not exist for this merchant and provider ${provider}`
      : `this merchant has no ${provider} provider account; add one with POST /admin/merchants/{id}/provider_accounts`, { field: requested ? 'provider_account_id' : 'method' });
  }
  return acc;
}

export async function createPayment(ctx: AppContext, merchantId: string, input: CreatePaymentInput): Promise<{ status: 200 | 201; payment: PaymentApi }> {
  const provider = providerForMethod(input.method);
  const connector = connectorFor(provider);
  if (!connector) throw new PaygateError('PAYMENT.METHOD_UNAVAILABLE', `method ${input.method} is not available in this build yet`, { field: 'method' });
  if (!connector.currencies.includes(input.currency)) {
    throw new PaygateError('VALIDATION.UNSUPPORTED_CURRENCY', `${input.method} accepts ${connector.currencies.join(', ')}; got ${input.currency}`, { field: 'currency' });
  }
  const amountProblem = connector.amountProblem?.(input.amount, input.currency);
  if (amountProblem) throw new PaygateError('VALIDATION.AMOUNT_NOT_REPRESENTABLE', `${input.method}: ${amountProblem}`, { field: 'amount' });

  const existing = await findExisting(ctx, merchantId, input);
  if (existing) return { status: 200, payment: await resumeIfUnconfirmed(ctx, existing) };

  const acc = await pickAccount(ctx, merchantId, provider, input.provider_account_id);
  const now = ctx.now();
  const payment: PaymentRow = {
    id: newId('pay', now), merchant_id: merchantId, merchant_order_id: input.merchant_order_id, amount: input.amount,
    currency: input.currency, method: input.method, provider, status: 'requires_action', description: input.description ?? '',
    return_url: input.return_url ?? null, metadata: JSON.stringify(input.metadata ?? {}), amount_refunded: 0,
    expires_at: now + (input.expires_in_seconds ?? 900) * 1000, created_at: now, updated_at: now,
  };
  const attemptId = newId('att', now);
  const attempt: AttemptRow = {
    // The attempt id doubles as the provider-side order id (out_trade_no): stable across retries.
    id: attemptId, payment_id: payment.id, merchant_id: merchantId, provider, provider_account_id: acc.row.id,
    provider_reference: attemptId, status: 'requires_action', qr_code: null, redirect_url: null,
    provider_transaction_id: null, error_code: null, error_message: null, created_at: now, updated_at: now,
  };
  try {
    await ctx.db.transaction().execute(async (trx) => {
      await trx.insertInto('payments').values(payment).execute();
      await trx.insertInto('attempts').values(attempt).execute();
      await schedulePaymentJobs(ctx, trx, payment, attempt, now);
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // Lost a race with a concurrent create of the same merchant_order_id.
    const winner = await findExisting(ctx, merchantId, input);
    if (!winner) throw err;
    return { status: 200, payment: await resumeIfUnconfirmed(ctx, winner) };
  }
  ctx.metrics.paymentsCreated.inc({ provider, method: input.method });
  return { status: 201, payment: await createAtProvider(ctx, payment, attempt, acc) };
}

async function findExisting(ctx: AppContext, merchantId: string, input: CreatePaymentInput): Promise<PaymentRow | undefined> {
  const p = await ctx.db.selectFrom('payments').selectAll().where('merchant_id', '=', merchantId).where('merchant_order_id', '=', input.merchant_order_id).executeTakeFirst();
  if (!p) return undefined;
  if (p.amount !== input.amount || p.currency !== input.currency || p.method !== input.method) {
    throw new PaygateError('PAYMENT.DUPLICATE_ORDER', `merchant_order_id ${input.merchant_order_id} already exists as ${p.id} with ${p.amount} ${p.currency} (${p.method})`, { field: 'merchant_order_id', details: { payment_id: p.id } });
  }
  return p;
}

export async function schedulePaymentJobs(ctx: AppContext, trx: Tx, payment: PaymentRow, attempt: AttemptRow, now: number): Promise<void> {
  await enqueue(trx, { kind: 'poll_attempt', refId: attempt.id, runAt: now + pollDelayS(connectorFor(attempt.provider)?.pollDelaysS, 0) * 1000 * ctx.timeScale, payload: { n: 0 } }, now);
  await enqueue(trx, { kind: 'expire_payment', refId: payment.id, runAt: payment.expires_at }, now);
}

/** A repeated create whose first provider call failed (timeout, outage) tries the provider again, same out_trade_no. */
async function resumeIfUnconfirmed(ctx: AppContext, p: PaymentRow): Promise<PaymentApi> {
  if (p.status === 'requires_action' && p.expires_at > ctx.now()) {
    const attempt = await ctx.db.selectFrom('attempts').selectAll().where('payment_id', '=', p.id).orderBy('id', 'desc').executeTakeFirst();
    if (attempt && !attempt.qr_code && !attempt.redirect_url) {
      const acc = await loadAccount(ctx, attempt.provider_account_id);
      if (acc) return createAtProvider(ctx, p, attempt, acc);
    }
  }
  return toApi(ctx, p);
}

async function createAtProvider(ctx: AppContext, payment: PaymentRow, attempt: AttemptRow, acc: LoadedAccount): Promise<PaymentApi> {
  // returnUrl: redirect providers (PayPal) send the buyer back through Paygate, which captures before handing over to payments.return_url.
  const input = { reference: attempt.provider_reference, amount: payment.amount, currency: payment.currency, description: payment.description || payment.merchant_order_id, expiresAt: new Date(payment.expires_at), returnUrl: `${ctx.publicUrl()}/pay/${payment.id}/return` };
  const result = await callAccount(ctx, acc, 'create', (cctx) => acc.connector.create.build(cctx, input), (cctx, res) => acc.connector.create.parse(cctx, input, res));
  const now = ctx.now();
  if (result.ok) {
    await ctx.db.updateTable('attempts')
      .set({ qr_code: result.qrCode ?? null, redirect_url: result.redirectUrl ?? null, error_code: null, error_message: null, updated_at: now, ...(result.providerOrderId ? { provider_transaction_id: result.providerOrderId, provider_order_id: result.providerOrderId } : {}) })
      .where('id', '=', attempt.id).execute();
    return loadPaymentApi(ctx, payment.merchant_id, payment.id);
  }
  await ctx.db.updateTable('attempts').set({ error_code: result.providerCode ?? result.code, error_message: result.message, updated_at: now }).where('id', '=', attempt.id).execute();
  if (!result.retryable) {
    await observePayment(ctx, { paymentId: payment.id, attemptId: attempt.id, observed: 'failed', source: 'create' });
  }
  throw new PaygateError(result.code, `${acc.row.provider}: ${result.message}`, { details: { payment_id: payment.id, provider_code: result.providerCode ?? null } });
}

export interface ListPaymentsQuery { merchant_order_id?: string | undefined; status?: string | undefined; limit: number; starting_after?: string | undefined }

export async function listPayments(ctx: AppContext, merchantId: string, q: ListPaymentsQuery) {
  let query = ctx.db.selectFrom('payments').selectAll().where('merchant_id', '=', merchantId);
  if (q.merchant_order_id) query = query.where('merchant_order_id', '=', q.merchant_order_id);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.starting_after) query = query.where('id', '<', q.starting_after);
  const rows = await query.orderBy('id', 'desc').limit(q.limit + 1).execute();
  const page = rows.slice(0, q.limit);
  const ids = page.map((p) => p.id);
  const attempts = ids.length ? await ctx.db.selectFrom('attempts').selectAll().where('payment_id', 'in', ids).orderBy('id').execute() : [];
  return {
    object: 'list' as const,
    data: page.map((p) => paymentToApi(p, attempts.filter((a) => a.payment_id === p.id), ctx.publicUrl())),
    has_more: rows.length > q.limit,
  };
}

/** Cancel: close at the provider first; only a confirmed close cancels (a paid trade wins). */
export async function cancelPayment(ctx: AppContext, merchantId: string, id: string): Promise<PaymentApi> {
  const p = await ctx.db.selectFrom('payments').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
  if (!p) throw new PaygateError('PAYMENT.NOT_FOUND', `no payment ${id}`);
  if (p.status === 'canceled') return toApi(ctx, p);
  if (isTerminal(p.status as PaymentStatus)) {
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
export async function refreshPayment(ctx: AppContext, merchantId: string, id: string): Promise<PaymentApi> {
  const p = await ctx.db.selectFrom('payments').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
  if (!p) throw new PaygateError('PAYMENT.NOT_FOUND', `no payment ${id}`);
  if (!isTerminal(p.status as PaymentStatus)) await queryAtProvider(ctx, p);
  return loadPaymentApi(ctx, merchantId, id);
}
