/**
 * Inbound provider notifications. Order of trust: the account must exist, the connector
 * verifies the signature and account id over the raw body, the order must be one this
 * account created, and the amount and currency must equal the payment's. Only then is the
 * observation applied — in the same transaction as the notification record — and only
 * after commit does the provider get its "success".
 *
 * What is stored, since anyone can POST here: nothing for an unknown provider or account
 * (404, counted under fixed labels only); for a real account, every notification masked by
 * its connector's allow-list (mask.ts), and those not proven authentic (bad signature,
 * malformed, …) truncated to UNVERIFIED_MAX_CHARS and at most UNVERIFIED_PER_MINUTE per
 * account per node — the rest are counted, not stored. Buyer identifiers of verified
 * notifications are indexed as keyed hashes for erasure (privacy.ts).
 */
import { hasPrefix, newId } from '../domain/ids.js';
import type { ErrorCode } from '../domain/errors.js';
import type { Connector, InboundNotification, NotificationAck, VerifiedNotification } from '../connectors/types.js';
import type { DbOrTx, Tx } from '../infra/db/index.js';
import { attemptByReference } from '../infra/db/repos/attempts.js';
import { insertNotification, notificationSeen } from '../infra/db/repos/notifications.js';
import { paymentById } from '../infra/db/repos/payments.js';
import { refundByReference } from '../infra/db/repos/refunds.js';
import type { AppContext } from './context.js';
import { connectorContext, loadAccount, type LoadedAccount } from './accounts.js';
import { observePayment } from './payment-transitions.js';
import { connectorFor, PROVIDERS } from './connectors.js';
import { observeRefund } from './refunds.js';
import { maskNotification } from './mask.js';
import { learnFromNotification } from './risk/learn.js';
import { indexIdentifiers } from './privacy.js';
import { notificationMaterial } from './notification-material.js';
import { captureApproved, type CaptureTrigger } from './capture.js';
import { prepareDispute, type NoticeRejection, type PreparedNotice } from './disputes.js';
import { prepareOutsideRefund, reconcileRefunds } from './outside-refunds.js';

/** Forged or otherwise unverified notifications stored per account per node per minute; the rest are only counted. */
export const UNVERIFIED_PER_MINUTE = 60;
/** An unverified notification's masked body is cut to this: enough to see why it failed, too little to store anything. */
export const UNVERIFIED_MAX_CHARS = 4096;
const VERIFIED_MAX_CHARS = 16_384;
/** Warnings about unknown accounts per node per minute (misconfigured notify URL); the rest log at debug. */
const UNKNOWN_WARNINGS_PER_MINUTE = 10;
const KNOWN_PROVIDERS: ReadonlySet<string> = new Set(PROVIDERS);

export interface NotificationOutcome {
  ack: NotificationAck;
  verdict: 'accepted' | 'duplicate' | 'rejected' | 'ignored';
  code?: ErrorCode;
  message?: string;
}

export async function handleNotification(ctx: AppContext, provider: string, accountId: string, inbound: InboundNotification): Promise<NotificationOutcome> {
  const connector = connectorFor(provider);
  if (!connector) return unknownAccount(ctx, provider, accountId, undefined);
  const acc = hasPrefix(accountId, 'pa') ? await loadAccount(ctx, accountId) : undefined;
  if (!acc || acc.row.provider !== provider) return unknownAccount(ctx, provider, accountId, connector);

  const reject = async (code: ErrorCode, message: string, extra: RejectExtra = {}): Promise<NotificationOutcome> => {
    ctx.metrics.notifications.inc({ provider, verdict: 'rejected' });
    const reason = message.slice(0, 300);
    if (extra.verified || withinBudget(ctx, `unverified:${accountId}`, UNVERIFIED_PER_MINUTE)) {
      await record(ctx, acc, { verdict: 'rejected', code, raw: inbound.rawBody, ...extra }).catch((err: unknown) => ctx.log.error({ err }, 'could not record rejected notification'));
      ctx.log.warn({ provider, provider_account_id: accountId, code, reason }, 'notification rejected');
    } else {
      ctx.metrics.notificationsUnstored.inc({ provider, reason: 'unverified_budget' });
      ctx.log.debug({ provider, provider_account_id: accountId, code, reason }, 'notification rejected; not stored (unverified budget spent)');
    }
    return { ack: acc.connector.notificationAck(false), verdict: 'rejected', code, message };
  };

  const cctx = connectorContext(ctx, acc);
  const material = await notificationMaterial(ctx, acc, cctx, inbound);
  if (!material.ok) return reject(material.code, material.message);
  const v = acc.connector.verifyNotification(cctx, inbound, material.response);
  if (!v.ok) return reject(v.code, v.message);

  if (v.kind === 'ignored') {
    await record(ctx, acc, { verdict: 'ignored', raw: inbound.rawBody, notificationId: v.notificationId, verified: true });
    ctx.metrics.notifications.inc({ provider, verdict: 'ignored' });
    return { ack: acc.connector.notificationAck(true), verdict: 'ignored' };
  }
  if (v.kind === 'dispute') return settlePrepared(ctx, acc, inbound, v.notificationId, await prepareDispute(ctx, accountId, provider, v), reject);
  if (v.kind === 'refund' && v.refundReference === undefined) {
    const out = await settlePrepared(ctx, acc, inbound, v.notificationId, await prepareOutsideRefund(ctx, accountId, v), reject);
    return out.verdict === 'rejected' ? out : afterRefund(ctx, out, v.refundedTotal, out.paymentId);
  }
  if (v.kind === 'refund') return handleRefundNotification(ctx, acc, inbound, v, reject);

  const attempt = await attemptByReference(ctx.db, accountId, v.reference);
  if (!attempt) return reject('NOTIFY.UNKNOWN_ORDER', `order ${v.reference} was not created by account ${accountId}`, { notificationId: v.notificationId, verified: true });
  const payment = await paymentById(ctx.db, attempt.payment_id);
  if (!payment) throw new Error(`attempt ${attempt.id} has no payment ${attempt.payment_id}`);
  if (v.amount !== payment.amount || v.currency !== payment.currency) {
    return reject('NOTIFY.AMOUNT_MISMATCH', `notified ${v.amount} ${v.currency}, payment ${payment.id} is ${payment.amount} ${payment.currency}`, { notificationId: v.notificationId, paymentId: payment.id, verified: true });
  }

  // A redelivered approval is no evidence that the buyer approved again (app/capture.ts rounds).
  const trigger = v.requiresCapture ? await approvalTrigger(ctx, payment.id, v.notificationId) : 'poll';
  const observed = await ctx.db.transaction().execute(async (trx) => {
    const r = await observePayment(ctx, {
      paymentId: payment.id, attemptId: attempt.id, observed: v.status, source: 'notification',
      ...(v.providerTransactionId ? { providerTransactionId: v.providerTransactionId } : {}),
      ...(v.decline ? { decline: v.decline } : {}),
    }, trx);
    await record(ctx, acc, { verdict: r.changed ? 'accepted' : 'duplicate', raw: inbound.rawBody, notificationId: v.notificationId, paymentId: payment.id, verified: true }, trx);
    return r;
  });
  // observePayment ran inside our transaction, so it left publishing to us: only now is the change visible.
  if (observed.changed || observed.declined) ctx.statusBus?.publish(payment.id, observed.to);
  // Approved, not yet paid (PayPal): capture now. A failure is logged there and the poll retries, so the webhook is still acknowledged.
  if (v.requiresCapture) await captureApproved(ctx, payment.id, trigger).catch((err: unknown) => ctx.log.error({ err, payment_id: payment.id }, 'capture after approval failed'));
  return accepted(ctx, provider, observed.changed, acc.connector.notificationAck(true));
}

async function approvalTrigger(ctx: AppContext, paymentId: string, notificationId: string | undefined): Promise<CaptureTrigger> {
  if (!notificationId) return 'approval';
  const seen = await notificationSeen(ctx.db, paymentId, notificationId.slice(0, 128));
  return seen ? 'poll' : 'approval';
}

function accepted(ctx: AppContext, provider: string, changed: boolean, ack: NotificationAck): NotificationOutcome {
  if (changed) ctx.kickJobs();
  const verdict = changed ? 'accepted' : 'duplicate';
  ctx.metrics.notifications.inc({ provider, verdict });
  return { ack, verdict };
}

type RefundNotice = Extract<VerifiedNotification, { kind: 'refund' }>;
interface RejectExtra { notificationId?: string; paymentId?: string; verified?: boolean }
type Reject = (code: ErrorCode, message: string, extra?: RejectExtra) => Promise<NotificationOutcome>;

/**
 * A dispute or an outside refund (disputes.ts, outside-refunds.ts): checked first, then
 * applied under the payment lock in the same transaction as the notification record; a
 * check that fails under the lock has written nothing and rejects like one that failed before.
 */
async function settlePrepared(ctx: AppContext, acc: LoadedAccount, inbound: InboundNotification, notificationId: string, prepared: PreparedNotice | NoticeRejection, reject: Reject): Promise<NotificationOutcome & { paymentId?: string }> {
  const refused = (r: NoticeRejection) => reject(r.code, r.message, { notificationId, verified: true, ...(r.paymentId ? { paymentId: r.paymentId } : {}) });
  if (!prepared.ok) return refused(prepared);
  const applied = await ctx.db.transaction().execute(async (trx) => {
    const a = await prepared.apply(trx);
    if ('changed' in a) await record(ctx, acc, { verdict: a.changed ? 'accepted' : 'duplicate', raw: inbound.rawBody, notificationId, paymentId: prepared.paymentId, verified: true }, trx);
    return a;
  });
  if ('reject' in applied) return refused(applied.reject);
  return { ...accepted(ctx, acc.row.provider, applied.changed, acc.connector.notificationAck(true)), paymentId: prepared.paymentId };
}

/** The provider's refunded total is above what Paygate has: fetch its refund list (outside-refunds.ts). The ack stands either way. */
async function afterRefund(ctx: AppContext, out: NotificationOutcome, refundedTotal: number | undefined, paymentId: string | undefined): Promise<NotificationOutcome> {
  if (refundedTotal !== undefined && paymentId) await reconcileRefunds(ctx, paymentId, refundedTotal).catch((err: unknown) => ctx.log.error({ err, payment_id: paymentId }, 'refund reconciliation failed'));
  return out;
}

/** A refund result pushed by the provider: the refund must be ours, on this account, for this amount. */
async function handleRefundNotification(ctx: AppContext, acc: LoadedAccount, inbound: InboundNotification, v: RefundNotice, reject: Reject): Promise<NotificationOutcome> {
  const accountId = acc.row.id;
  if (v.refundReference === undefined) return reject('NOTIFY.MALFORMED', 'outside refunds are settled by settlePrepared');
  const refund = await refundByReference(ctx.db, v.refundReference);
  if (!refund || refund.provider_account_id !== accountId || refund.provider_reference !== v.reference) {
    return reject('NOTIFY.UNKNOWN_ORDER', `refund ${v.refundReference} of order ${v.reference} was not requested through account ${accountId}`, { notificationId: v.notificationId, verified: true });
  }
  if (v.amount !== refund.amount || v.currency !== refund.currency) {
    return reject('NOTIFY.AMOUNT_MISMATCH', `notified refund of ${v.amount} ${v.currency}, refund ${refund.id} is ${refund.amount} ${refund.currency}`, { notificationId: v.notificationId, paymentId: refund.payment_id, verified: true });
  }
  const changed = await ctx.db.transaction().execute(async (trx) => {
    const c = v.status === 'pending' ? false : await observeRefund(ctx, trx, refund.id, { status: v.status, ...(v.providerRefundId ? { providerRefundId: v.providerRefundId } : {}), failureReason: v.providerStatus });
    await record(ctx, acc, { verdict: c ? 'accepted' : 'duplicate', raw: inbound.rawBody, notificationId: v.notificationId, paymentId: refund.payment_id, verified: true }, trx);
    return c;
  });
  return afterRefund(ctx, accepted(ctx, acc.row.provider, changed, acc.connector.notificationAck(true)), v.refundedTotal, refund.payment_id);
}

/**
 * No such account of this provider (or no such provider, or an id that cannot be one): a
 * 404 with the provider's own failure answer, so a misconfigured notify URL is visible at
 * the provider, and nothing stored. Labels are from fixed lists, never the path.
 */
function unknownAccount(ctx: AppContext, provider: string, accountId: string, connector: Connector<unknown> | undefined): NotificationOutcome {
  const label = KNOWN_PROVIDERS.has(provider) ? provider : 'unknown';
  ctx.metrics.notifications.inc({ provider: label, verdict: 'rejected' });
  ctx.metrics.notificationsUnstored.inc({ provider: label, reason: 'unknown_account' });
  const message = connector ? `no ${provider} account ${accountId.slice(0, 64)}` : `unknown provider ${provider.slice(0, 32)}`;
  const level = withinBudget(ctx, 'unknown-account-log', UNKNOWN_WARNINGS_PER_MINUTE) ? 'warn' : 'debug';
  ctx.log[level]({ provider: label, code: 'NOTIFY.UNKNOWN_ACCOUNT', reason: message }, 'notification for an unknown provider account; not stored (check the notify URL configured at the provider)');
  const fail = connector ? connector.notificationAck(false) : { status: 404, contentType: 'text/plain', body: 'fail' };
  return { ack: { ...fail, status: 404 }, verdict: 'rejected', code: 'NOTIFY.UNKNOWN_ACCOUNT', message };
}

/** A fixed one-minute window per key on this node (ctx.logBudgets); keys are real account ids, so the map stays small. */
function withinBudget(ctx: AppContext, key: string, limit: number): boolean {
  return ctx.logBudgets.take(key, limit, ctx.now());
}

interface RecordInput {
  verdict: string; code?: ErrorCode; raw: string; notificationId?: string; paymentId?: string;
  /** Proven authentic (signature and account checked): stored in full (masked) and its buyer identifiers indexed. */
  verified?: boolean;
}

async function record(ctx: AppContext, acc: LoadedAccount, r: RecordInput, trx: DbOrTx = ctx.db): Promise<void> {
  const now = ctx.now();
  const privacy = acc.connector.notificationPrivacy;
  const masked = maskNotification(r.raw, privacy, privacy.open ? openDocument(acc, r.raw) : undefined);
  const limit = r.verified ? VERIFIED_MAX_CHARS : UNVERIFIED_MAX_CHARS;
  const raw = masked.text.length <= limit ? masked.text : `${masked.text.slice(0, limit - 40)} [cut: ${masked.text.length} characters]`;
  const id = newId('ntf', now);
  await insertNotification(trx, {
    id, provider: acc.row.provider, provider_account_id: acc.row.id, notification_id: r.notificationId?.slice(0, 128) ?? null,
    payment_id: r.paymentId ?? null, verdict: r.verdict, error_code: r.code ?? null, raw, received_at: now,
  });
  // Only what the provider signed may link a buyer to a row: a forger could otherwise plant anyone's e-mail.
  if (r.verified) await indexIdentifiers(ctx, trx, { sourceId: id, paymentId: r.paymentId ?? null, merchantId: acc.row.merchant_id, now }, masked.identifiers);
  // Risk control learns the provider's buyer identity with the change it came with (app/risk/learn.ts).
  if (r.verified && r.paymentId && trx.isTransaction) await learnFromNotification(ctx, trx as Tx, acc.row.merchant_id, r.paymentId, masked.identifiers);
}

/** The connector's readable form of a partly encrypted body (WeChat Pay), or undefined to mask the raw JSON. */
function openDocument(acc: LoadedAccount, raw: string): Record<string, unknown> | undefined {
  try {
    const doc: unknown = JSON.parse(raw);
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
    return acc.connector.notificationPrivacy.open?.(acc.credentials, doc as Record<string, unknown>);
  } catch {
    return undefined;
  }
}
