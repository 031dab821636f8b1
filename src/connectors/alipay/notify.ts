/**
 * Asynchronous trade notifications (notify_type=trade_status_sync) and the answer Alipay
 * expects. Trust order: signature, then app_id, then field shape; amount and order
 * existence are the caller's checks.
 */
import type { ErrorCode } from '../../domain/errors.js';
import { parseMinor } from '../../domain/money.js';
import type { ConnectorContext, ConnectorNotifications, InboundNotification, VerifiedNotification, WireResponse } from '../types.js';
import { ackWith } from '../common/ack.js';
import type { AlipayCredentials } from './credentials.js';
import { alipayNotificationPrivacy } from './sensitive.js';
import { verifiedForm } from './notify-form.js';
import { alipayNotificationMaterial, outsideRefundNotice, outsideRefundRequestNo } from './notify-refund.js';
import { mapTradeStatus } from './status.js';

const REQUIRED = ['out_trade_no', 'trade_status', 'total_amount', 'notify_id'] as const;
/** The one notify_type Paygate acts on: trade state changes, portal refunds included. */
const TRADE_NOTIFY = 'trade_status_sync';

function reject(code: ErrorCode, message: string): VerifiedNotification {
  return { ok: false, code, message };
}

export function verifyAlipayNotification(ctx: ConnectorContext<AlipayCredentials>, inbound: InboundNotification, material?: WireResponse): VerifiedNotification {
  const form = verifiedForm(ctx, inbound);
  if (!form.ok) return form;
  const { get } = form;
  // Signed and for this app, but not a trade notification: acknowledged (the app records it
  // as ignored), or Alipay resends it for 25 hours as if notify_url were down.
  const notifyType = get('notify_type');
  if (notifyType !== undefined && notifyType !== TRADE_NOTIFY) {
    const notifyId = get('notify_id');
    if (notifyId === undefined) return reject('NOTIFY.MALFORMED', 'notification lacks notify_id');
    return { ok: true, kind: 'ignored', notificationId: notifyId, eventType: `notify_type ${notifyType}` };
  }
  const missing = REQUIRED.filter((key) => get(key) === undefined);
  if (missing.length > 0) return reject('NOTIFY.MALFORMED', `notification lacks ${missing.join(', ')}`);

  // A refund made in the merchant portal: the port's outside refund, not a payment state.
  const outside = outsideRefundRequestNo(get);
  if (outside !== undefined) return outsideRefundNotice(ctx, get, outside, material);

  const reference = get('out_trade_no') ?? '';
  const tradeStatus = get('trade_status') ?? '';
  const notifyId = get('notify_id') ?? '';
  const totalAmount = get('total_amount') ?? '';
  const amount = parseMinor(totalAmount, 'CNY');
  if (amount === null || amount < 0) return reject('NOTIFY.MALFORMED', `total_amount ${JSON.stringify(totalAmount)} is not a CNY amount`);
  const tradeNo = get('trade_no');
  return {
    ok: true,
    kind: 'payment',
    notificationId: notifyId,
    reference,
    status: mapTradeStatus(tradeStatus),
    providerStatus: tradeStatus,
    amount,
    currency: 'CNY',
    ...(tradeNo === undefined ? {} : { providerTransactionId: tradeNo }),
  };
}

/** Everything of the port that handles notifications, spread into the connector. */
export const alipayNotifications: ConnectorNotifications<AlipayCredentials> = {
  verifyNotification: verifyAlipayNotification,
  notificationMaterial: alipayNotificationMaterial,
  // Alipay stops retrying only on the literal body "success"; anything else means retry.
  notificationAck: ackWith({ status: 200, contentType: 'text/plain', body: 'success' }, { status: 400, contentType: 'text/plain', body: 'fail' }),
  notificationPrivacy: alipayNotificationPrivacy,
};
