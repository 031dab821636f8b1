/**
 * Payment and refund notifications, and the answer WeChat Pay expects. Trust order:
 * signature headers over the raw body, then AEAD decryption with the APIv3 key, then mchid
 * and appid; amount and order existence are the caller's checks.
 */
import type { ErrorCode } from '../../domain/errors.js';
import { hasPrefix } from '../../domain/ids.js';
import type { ConnectorContext, ConnectorNotifications, InboundNotification, VerifiedNotification } from '../types.js';
import { ackWith } from '../common/ack.js';
import { CURRENCY } from './amount.js';
import type { WechatpayCredentials } from './credentials.js';
import { wechatpayNotificationPrivacy } from './sensitive.js';
import { fenField, objectField, stringField } from './response.js';
import { decryptResource } from './sign.js';
import { mapRefundStatus, mapTradeState } from './status.js';
import { wechatDecline } from './declines.js';
import { verifyWechatpaySignature, type SignatureCheck } from './verify.js';

type Node = Readonly<Record<string, unknown>>;
const REFUND_EVENTS: Readonly<Record<string, string>> = { 'REFUND.SUCCESS': 'SUCCESS', 'REFUND.ABNORMAL': 'ABNORMAL', 'REFUND.CLOSED': 'CLOSED' };

function reject(code: ErrorCode, message: string): VerifiedNotification {
  return { ok: false, code, message };
}

function signatureCode(reason: Exclude<SignatureCheck, { ok: true }>['reason']): ErrorCode {
  if (reason === 'missing') return 'NOTIFY.MALFORMED';
  if (reason === 'stale') return 'NOTIFY.TIMESTAMP_OUT_OF_TOLERANCE';
  return 'NOTIFY.SIGNATURE_INVALID';
}

function parseObject(text: string): Node | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Node) : undefined;
  } catch {
    return undefined;
  }
}

export function verifyWechatpayNotification(ctx: ConnectorContext<WechatpayCredentials>, inbound: InboundNotification): VerifiedNotification {
  const contentType = inbound.contentType.trim().toLowerCase();
  if (contentType !== '' && !contentType.startsWith('application/json')) return reject('NOTIFY.MALFORMED', `expected an application/json body, got ${inbound.contentType}`);
  // verifyWechatpaySignature checks the timestamp window before it looks at the key or the
  // signature, so a stale delivery is reported as such (a clock or replay problem), whatever its signature.
  const check = verifyWechatpaySignature(ctx.credentials, inbound.headers, inbound.rawBody, ctx.now);
  if (!check.ok) return reject(signatureCode(check.reason), `notification ${check.message}`);

  const envelope = parseObject(inbound.rawBody);
  if (!envelope) return reject('NOTIFY.MALFORMED', 'notification body is not a JSON object');
  const id = stringField(envelope, 'id');
  const eventType = stringField(envelope, 'event_type');
  const resource = objectField(envelope, 'resource');
  if (id === undefined || eventType === undefined || resource === undefined) return reject('NOTIFY.MALFORMED', 'notification lacks id, event_type or resource');
  if (envelope.resource_type !== undefined && envelope.resource_type !== 'encrypt-resource') return reject('NOTIFY.MALFORMED', `resource_type ${JSON.stringify(envelope.resource_type)} is not encrypt-resource`);
  if (resource.algorithm !== 'AEAD_AES_256_GCM') return reject('NOTIFY.MALFORMED', `resource.algorithm ${JSON.stringify(resource.algorithm)} is not AEAD_AES_256_GCM`);
  const { ciphertext, nonce } = resource;
  const aad = resource.associated_data ?? '';
  if (typeof ciphertext !== 'string' || typeof nonce !== 'string' || typeof aad !== 'string') return reject('NOTIFY.MALFORMED', 'resource needs string ciphertext, nonce and associated_data');

  const decrypted = decryptResource(ctx.credentials.apiv3Key, nonce, aad, ciphertext);
  if (!decrypted.ok) return reject(decrypted.reason === 'tag' ? 'NOTIFY.DECRYPTION_FAILED' : 'NOTIFY.MALFORMED', decrypted.message);
  const plain = parseObject(decrypted.plaintext);
  if (!plain) return reject('NOTIFY.MALFORMED', 'decrypted resource is not a JSON object');

  const mchid = stringField(plain, 'mchid');
  if (mchid !== ctx.credentials.mchid) return reject('NOTIFY.ACCOUNT_MISMATCH', `notification is for mchid ${mchid ?? '(none)'}, this account is ${ctx.credentials.mchid}`);
  if (eventType === 'TRANSACTION.SUCCESS') return transaction(ctx.credentials, id, plain);
  const refundStatus = Object.hasOwn(REFUND_EVENTS, eventType) ? REFUND_EVENTS[eventType] : undefined;
  if (refundStatus !== undefined) return refund(id, refundStatus, plain);
  // Signed, decrypted and for this merchant, but not an event Paygate acts on: acknowledge it
  // (204), or WeChat Pay retries it for a day (15 s … 4 h) as if the notify_url were down.
  return { ok: true, kind: 'ignored', notificationId: id, eventType };
}

function transaction(credentials: WechatpayCredentials, id: string, plain: Node): VerifiedNotification {
  const appid = stringField(plain, 'appid');
  if (appid !== credentials.appid) return reject('NOTIFY.ACCOUNT_MISMATCH', `notification is for appid ${appid ?? '(none)'}, this account is ${credentials.appid}`);
  const reference = stringField(plain, 'out_trade_no');
  const state = stringField(plain, 'trade_state');
  const amount = objectField(plain, 'amount');
  const total = fenField(amount, 'total');
  const currency = amount === undefined ? undefined : stringField(amount, 'currency');
  if (reference === undefined || state === undefined || typeof total !== 'number' || currency === undefined) {
    return reject('NOTIFY.MALFORMED', 'transaction lacks out_trade_no, trade_state, integer amount.total or amount.currency');
  }
  const transactionId = stringField(plain, 'transaction_id');
  return {
    ok: true,
    kind: 'payment',
    notificationId: id,
    reference,
    status: mapTradeState(state),
    providerStatus: state,
    ...decline(state, stringField(plain, 'trade_state_desc')),
    amount: total,
    currency,
    ...(transactionId === undefined ? {} : { providerTransactionId: transactionId }),
  };
}

/**
 * Paygate's own refunds carry out_refund_no = the refund's id (re_<26>). A refund made in the
 * merchant portal (商户平台) notifies the same way but with an out_refund_no WeChat Pay or the
 * operator chose, which never has that form: it is a refund made outside Paygate.
 */
export function isPaygateRefundNo(outRefundNo: string): boolean {
  return hasPrefix(outRefundNo, 're');
}

function refund(id: string, expectedStatus: string, plain: Node): VerifiedNotification {
  const reference = stringField(plain, 'out_trade_no');
  const refundReference = stringField(plain, 'out_refund_no');
  const status = stringField(plain, 'refund_status');
  const refunded = fenField(objectField(plain, 'amount'), 'refund');
  if (reference === undefined || refundReference === undefined || status === undefined || typeof refunded !== 'number') {
    return reject('NOTIFY.MALFORMED', 'refund lacks out_trade_no, out_refund_no, refund_status or integer amount.refund');
  }
  if (status !== expectedStatus) return reject('NOTIFY.MALFORMED', `refund_status ${status} contradicts event_type REFUND.${expectedStatus}`);
  const refundId = stringField(plain, 'refund_id');
  const transactionId = stringField(plain, 'transaction_id');
  const common = {
    ok: true as const,
    kind: 'refund' as const,
    notificationId: id,
    reference,
    status: mapRefundStatus(status),
    providerStatus: status,
    amount: refunded,
    // Refund notifications carry no currency: domestic refunds are CNY by definition.
    currency: CURRENCY,
  };
  if (isPaygateRefundNo(refundReference)) return { ...common, refundReference, ...(refundId === undefined ? {} : { providerRefundId: refundId }) };
  // Made in the merchant portal: refund_id is the only stable key of it (the app counts it once by that id).
  if (refundId === undefined) return reject('NOTIFY.MALFORMED', `refund ${refundReference} of order ${reference} was made outside Paygate and carries no refund_id`);
  return { ...common, providerRefundId: refundId, ...(transactionId === undefined ? {} : { providerTransactionId: transactionId }) };
}

function decline(state: string, desc: string | undefined) {
  const d = wechatDecline(state, desc);
  return d ? { decline: d } : {};
}

/** Everything of the port that handles notifications, spread into the connector. */
export const wechatpayNotifications: ConnectorNotifications<WechatpayCredentials> = {
  verifyNotification: verifyWechatpayNotification,
  // 204 without a body stops WeChat's retries; any 4xx/5xx with {code:"FAIL"} asks for another.
  notificationAck: ackWith({ status: 204, contentType: 'text/plain', body: '' }, { status: 400, contentType: 'application/json', body: JSON.stringify({ code: 'FAIL', message: '失败' }) }),
  notificationPrivacy: wechatpayNotificationPrivacy,
};
