/**
 * Inbound provider notifications. Order of trust: the account must exist, the connector
 * verifies the signature and account id over the raw body, the order must be one this
 * account created, and the amount and currency must equal the payment's. Only then is the
 * observation applied — in the same transaction as the notification record — and only
 * after commit does the provider get its "success". Every notification is recorded
 * (masked), accepted or not, and counted.
 */
import { newId } from '../domain/ids.js';
import type { ErrorCode } from '../domain/errors.js';
import type { InboundNotification, NotificationAck, VerifiedNotification } from '../connectors/types.js';
import type { AppContext } from './context.js';
import { connectorContext, loadAccount } from './accounts.js';
import { observePayment } from './payment-transitions.js';
import { connectorFor } from './connectors.js';
import { observeRefund } from './refunds.js';
import { maskRaw } from './mask.js';
import { notificationMaterial } from './notification-material.js';
import { captureApproved } from './capture.js';

export interface NotificationOutcome {
  ack: NotificationAck;
  verdict: 'accepted' | 'duplicate' | 'rejected' | 'ignored';
  code?: ErrorCode;
  message?: string;
}

export async function handleNotification(ctx: AppContext, provider: string, accountId: string, inbound: InboundNotification): Promise<NotificationOutcome> {
  const connector = connectorFor(provider);
  const reject = async (code: ErrorCode, message: string, extra: { notificationId?: string; paymentId?: string } = {}): Promise<NotificationOutcome> => {
    await record(ctx, { provider, accountId, verdict: 'rejected', code, raw: inbound.rawBody, ...extra }).catch((err: unknown) => ctx.log.error({ err }, 'could not record rejected notification'));
    ctx.metrics.notifications.inc({ provider, verdict: 'rejected' });
    ctx.log.warn({ provider, provider_account_id: accountId, code, reason: message }, 'notification rejected');
    return { ack: connector ? connector.notificationAck(false) : { status: 404, contentType: 'text/plain', body: 'fail' }, verdict: 'rejected', code, message };
  };
  if (!connector) return reject('NOTIFY.UNKNOWN_ACCOUNT', `unknown provider ${provider}`);
  const acc = await loadAccount(ctx, accountId);
  if (!acc || acc.row.provider !== provider) return reject('NOTIFY.UNKNOWN_ACCOUNT', `no ${provider} account ${accountId}`);

  const cctx = connectorContext(ctx, acc);
  const material = await notificationMaterial(ctx, acc, cctx, inbound);
  if (!material.ok) return reject(material.code, material.message);
  const v = acc.connector.verifyNotification(cctx, inbound, material.response);
  if (!v.ok) return reject(v.code, v.message);

  if (v.kind === 'ignored') {
    await record(ctx, { provider, accountId, verdict: 'ignored', raw: inbound.rawBody, notificationId: v.notificationId });
    ctx.metrics.notifications.inc({ provider, verdict: 'ignored' });
    return { ack: acc.connector.notificationAck(true), verdict: 'ignored' };
  }
  if (v.kind === 'refund') return handleRefundNotification(ctx, provider, accountId, inbound, v, acc.connector.notificationAck(true), reject);

  const attempt = await ctx.db.selectFrom('attempts').selectAll().where('provider_account_id', '=', accountId).where('provider_reference', '=', v.reference).executeTakeFirst();
  if (!attempt) return reject('NOTIFY.UNKNOWN_ORDER', `order ${v.reference} was not created by account ${accountId}`, { notificationId: v.notificationId });
  const payment = await ctx.db.selectFrom('payments').selectAll().where('id', '=', attempt.payment_id).executeTakeFirstOrThrow();
  if (v.amount !== payment.amount || v.currency !== payment.currency) {
    return reject('NOTIFY.AMOUNT_MISMATCH', `notified ${v.amount} ${v.currency}, payment ${payment.id} is ${payment.amount} ${payment.currency}`, { notificationId: v.notificationId, paymentId: payment.id });
  }

  const observed = await ctx.db.transaction().execute(async (trx) => {
    const r = await observePayment(ctx, {
      paymentId: payment.id, attemptId: attempt.id, observed: v.status, source: 'notification',
      ...(v.providerTransactionId ? { providerTransactionId: v.providerTransactionId } : {}),
    }, trx);
    await record(ctx, { provider, accountId, verdict: r.changed ? 'accepted' : 'duplicate', raw: inbound.rawBody, notificationId: v.notificationId, paymentId: payment.id }, trx);
    return r;
  });
  // observePayment ran inside our transaction, so it left publishing to us: only now is the change visible.
  if (observed.changed) ctx.statusBus?.publish(payment.id, observed.to);
  // Approved, not yet paid (PayPal): capture now. A failure is logged there and the poll retries, so the webhook is still acknowledged.
  if (v.requiresCapture) await captureApproved(ctx, payment.id).catch((err: unknown) => ctx.log.error({ err, payment_id: payment.id }, 'capture after approval failed'));
  return accepted(ctx, provider, observed.changed, acc.connector.notificationAck(true));
}

function accepted(ctx: AppContext, provider: string, changed: boolean, ack: NotificationAck): NotificationOutcome {
  if (changed) ctx.kickJobs();
  const verdict = changed ? 'accepted' : 'duplicate';
  ctx.metrics.notifications.inc({ provider, verdict });
  return { ack, verdict };
}

type RefundNotice = Extract<VerifiedNotification, { kind: 'refund' }>;
type Reject = (code: ErrorCode, message: string, extra?: { notificationId?: string; paymentId?: string }) => Promise<NotificationOutcome>;

/** A refund result pushed by the provider: the refund must be ours, on this account, for this amount. */
async function handleRefundNotification(ctx: AppContext, provider: string, accountId: string, inbound: InboundNotification, v: RefundNotice, ack: NotificationAck, reject: Reject): Promise<NotificationOutcome> {
  const refund = await ctx.db.selectFrom('refunds').innerJoin('attempts', 'attempts.id', 'refunds.attempt_id')
    .select(['refunds.id', 'refunds.amount', 'refunds.currency', 'refunds.payment_id', 'attempts.provider_account_id', 'attempts.provider_reference'])
    .where('refunds.provider_reference', '=', v.refundReference).executeTakeFirst();
  if (!refund || refund.provider_account_id !== accountId || refund.provider_reference !== v.reference) {
    return reject('NOTIFY.UNKNOWN_ORDER', `refund ${v.refundReference} of order ${v.reference} was not requested through account ${accountId}`, { notificationId: v.notificationId });
  }
  if (v.amount !== refund.amount || v.currency !== refund.currency) {
    return reject('NOTIFY.AMOUNT_MISMATCH', `notified refund of ${v.amount} ${v.currency}, refund ${refund.id} is ${refund.amount} ${refund.currency}`, { notificationId: v.notificationId, paymentId: refund.payment_id });
  }
  const changed = await ctx.db.transaction().execute(async (trx) => {
    const c = v.status === 'pending' ? false : await observeRefund(ctx, trx, refund.id, { status: v.status, ...(v.providerRefundId ? { providerRefundId: v.providerRefundId } : {}), failureReason: v.providerStatus });
    await record(ctx, { provider, accountId, verdict: c ? 'accepted' : 'duplicate', raw: inbound.rawBody, notificationId: v.notificationId, paymentId: refund.payment_id }, trx);
    return c;
  });
  return accepted(ctx, provider, changed, ack);
}

interface RecordInput {
  provider: string; accountId: string; verdict: string; code?: ErrorCode; raw: string; notificationId?: string; paymentId?: string;
}

async function record(ctx: AppContext, r: RecordInput, trx: Pick<AppContext['db'], 'insertInto'> = ctx.db): Promise<void> {
  const now = ctx.now();
  await trx.insertInto('notifications').values({
    id: newId('ntf', now), provider: r.provider, provider_account_id: r.accountId.slice(0, 64), notification_id: r.notificationId ?? null,
    payment_id: r.paymentId ?? null, verdict: r.verdict, error_code: r.code ?? null, raw: maskRaw(r.raw.slice(0, 16_384)), received_at: now,
  }).execute();
}
