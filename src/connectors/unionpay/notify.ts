/**
 * Back-end notifications (form POST to backUrl). Trust order: signer certificate chain,
 * validity and owner (UnionPay's own, cert.ts), signature, merId, then field shapes; amount
 * and order existence are the caller's checks. txnType 01 is a consume result, 04 a refund
 * result, 31 a consume undo result (acknowledged, not acted on).
 */
import type { ErrorCode } from '../../domain/errors.js';
import type { ConnectorContext, ConnectorNotifications, InboundNotification, VerifiedNotification } from '../types.js';
import { ackWith } from '../common/ack.js';
import { checkSignerCert } from './cert.js';
import type { UnionpayCredentials } from './credentials.js';
import { unionpayNotificationPrivacy } from './sensitive.js';
import { readFormNotification } from '../common/form.js';
import { CURRENCY, CURRENCY_CODE, ORDER_ID, orderIdOf, parseFen } from './order.js';
import { origState } from './query.js';
import { verifyFields } from './sign.js';
import { unionpayDecline } from './declines.js';

const NOTIFY_CERT_CODE = { expired: 'NOTIFY.CERT_EXPIRED', untrusted: 'NOTIFY.CERT_UNTRUSTED', not_unionpay: 'NOTIFY.CERT_OWNER_MISMATCH' } as const satisfies Record<string, ErrorCode>;

function reject(code: ErrorCode, message: string): VerifiedNotification {
  return { ok: false, code, message };
}

const REFERENCE = /^[a-z]+_[0-9a-z]{26}$/;
const UNDO = '31';

export function verifyUnionpayNotification(ctx: ConnectorContext<UnionpayCredentials>, inbound: InboundNotification): VerifiedNotification {
  const form = readFormNotification(inbound);
  if (!form.ok) return reject('NOTIFY.MALFORMED', form.message);
  const { fields, get } = form;

  const signature = get('signature');
  const certPem = get('signPubKeyCert');
  if (signature === undefined || certPem === undefined) return reject('NOTIFY.MALFORMED', 'notification has no signature or signPubKeyCert');
  if (get('signMethod') !== '01') return reject('NOTIFY.SIGNATURE_INVALID', `signMethod ${get('signMethod') ?? '(none)'} is not accepted; only 01 (RSA)`);
  const cert = checkSignerCert(certPem, ctx.credentials, ctx.now);
  if (!cert.ok) return reject(NOTIFY_CERT_CODE[cert.problem], cert.message);
  if (!verifyFields(Object.fromEntries(fields), signature, cert.key)) {
    return reject('NOTIFY.SIGNATURE_INVALID', 'notification signature does not verify with its signPubKeyCert');
  }

  const merId = get('merId');
  if (merId === undefined) return reject('NOTIFY.MALFORMED', 'notification has no merId');
  if (merId !== ctx.credentials.merId) return reject('NOTIFY.ACCOUNT_MISMATCH', `notification is for merId ${merId}, this account is ${ctx.credentials.merId}`);

  // A consume undo's result (Paygate's close, or an undo made in UnionPay's merchant portal,
  // which carries no reqReserved): the close already learned it from its synchronous answer,
  // and an undone payment is found by the status query. Acknowledged so UnionPay stops resending.
  const txnQueryId = get('queryId');
  if (get('txnType') === UNDO && txnQueryId !== undefined) {
    return { ok: true, kind: 'ignored', notificationId: `${UNDO}:${txnQueryId}`, eventType: `txnType ${UNDO} (consume undo) respCode ${get('respCode') ?? '(none)'}` };
  }
  // Any other authentic transaction type (a product this account also has): acknowledged and
  // recorded as ignored, not refused, or UnionPay keeps resending it.
  const otherType = get('txnType');
  if (otherType !== undefined && otherType !== '01' && otherType !== '04' && txnQueryId !== undefined) {
    return { ok: true, kind: 'ignored', notificationId: `${otherType}:${txnQueryId}`, eventType: `txnType ${otherType} respCode ${get('respCode') ?? '(none)'}` };
  }
  const missing = ['txnType', 'orderId', 'txnAmt', 'respCode', 'queryId', 'reqReserved'].filter((k) => get(k) === undefined);
  if (missing.length > 0) return reject('NOTIFY.MALFORMED', `notification lacks ${missing.join(', ')}`);
  const orderId = get('orderId') ?? '';
  if (!ORDER_ID.test(orderId)) return reject('NOTIFY.MALFORMED', `orderId ${JSON.stringify(orderId)} is not 8..32 letters or digits`);
  const amount = parseFen(get('txnAmt'));
  if (amount === undefined) return reject('NOTIFY.MALFORMED', `txnAmt ${JSON.stringify(get('txnAmt'))} is not an amount in fen`);
  const currencyCode = get('currencyCode');
  if (currencyCode !== undefined && currencyCode !== CURRENCY_CODE) return reject('NOTIFY.MALFORMED', `currencyCode ${currencyCode} is not 156 (CNY)`);
  const respCode = get('respCode') ?? '';
  const queryId = get('queryId') ?? '';
  const reserved = get('reqReserved') ?? '';
  const status = origState(respCode);

  const txnType = get('txnType');
  if (txnType === '01') {
    if (!REFERENCE.test(reserved) || orderIdOf(reserved) !== orderId) return reject('NOTIFY.MALFORMED', `reqReserved ${JSON.stringify(reserved)} does not name orderId ${orderId}`);
    return {
      ok: true, kind: 'payment', notificationId: `01:${queryId}`, reference: reserved, status, providerStatus: `respCode ${respCode}`,
      amount, currency: CURRENCY, providerTransactionId: queryId,
      ...(status === 'failed' ? { decline: unionpayDecline(respCode, get('respMsg')) } : {}),
    };
  }
  if (txnType === '04') {
    const [reference = '', refundReference = '', extra] = reserved.split('|');
    if (extra !== undefined || !REFERENCE.test(reference) || !REFERENCE.test(refundReference) || orderIdOf(refundReference) !== orderId) {
      return reject('NOTIFY.MALFORMED', `reqReserved ${JSON.stringify(reserved)} does not name refund orderId ${orderId}`);
    }
    return {
      ok: true, kind: 'refund', notificationId: `04:${queryId}`, reference, refundReference, status, providerStatus: `respCode ${respCode}`,
      amount, currency: CURRENCY, providerRefundId: queryId,
    };
  }
  return reject('NOTIFY.MALFORMED', `txnType ${txnType ?? '(none)'} is not a consume (01), refund (04) or consume undo (31) result`);
}

/** Everything of the port that handles notifications, spread into the connector. */
export const unionpayNotifications: ConnectorNotifications<UnionpayCredentials> = {
  verifyNotification: verifyUnionpayNotification,
  // UnionPay stops retrying on HTTP 200; any other status means "send again".
  notificationAck: ackWith({ status: 200, contentType: 'text/plain', body: 'ok' }, { status: 400, contentType: 'text/plain', body: 'fail' }),
  notificationPrivacy: unionpayNotificationPrivacy,
};
