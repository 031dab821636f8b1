/**
 * Refunds made in Alipay's merchant portal (商家中心) or by another system on the same app.
 * Alipay reports every refund with a trade_status_sync notification: TRADE_SUCCESS after a
 * partial refund, TRADE_CLOSED after the full one, each with out_biz_no (the refund's
 * out_request_no), gmt_refund and refund_fee — the trade's refunded TOTAL, not this refund's
 * amount. Paygate's own refunds use its refund ids (re_…) as out_request_no; any other
 * out_biz_no is a refund made outside Paygate, whose amount is then read from
 * alipay.trade.fastpay.refund.query, fetched as the notification's material before it is
 * verified — and only for a notification whose signature already verified.
 */
import type { ErrorCode } from '../../domain/errors.js';
import { hasPrefix } from '../../domain/ids.js';
import { parseMinor } from '../../domain/money.js';
import type { ConnectorContext, InboundNotification, NotificationMaterialRequest, VerifiedNotification, WireResponse } from '../types.js';
import type { AlipayCredentials } from './credentials.js';
import { verifiedForm } from './notify-form.js';
import { REFUND_QUERY } from './refund.js';
import { gatewayRequest } from './request.js';
import { describeReply, echoMismatch, readReply, SUCCESS_CODE, yuanField } from './response.js';

type Ctx = ConnectorContext<AlipayCredentials>;
type Get = (key: string) => string | undefined;

function reject(code: ErrorCode, message: string): VerifiedNotification {
  return { ok: false, code, message };
}

/** The out_request_no of a refund this notification reports that Paygate did not make, or undefined. */
export function outsideRefundRequestNo(get: Get): string | undefined {
  const total = get('refund_fee');
  const refunded = get('gmt_refund') !== undefined || (total !== undefined && (parseMinor(total, 'CNY') ?? 0) > 0);
  if (!refunded) return undefined;
  // A refund sent without out_request_no is keyed by out_trade_no at Alipay; Paygate always sends its refund id.
  const requestNo = get('out_biz_no') ?? get('out_trade_no');
  return requestNo === undefined || hasPrefix(requestNo, 're') ? undefined : requestNo;
}

/** For an authentic notification of an outside refund: the refund query that gives its amount. */
export function alipayNotificationMaterial(ctx: Ctx, inbound: InboundNotification): NotificationMaterialRequest | undefined {
  const form = verifiedForm(ctx, inbound);
  // A forged or foreign notification makes no call; verifyNotification rejects it with the reason.
  if (!form.ok) return undefined;
  const requestNo = outsideRefundRequestNo(form.get);
  const reference = form.get('out_trade_no');
  if (requestNo === undefined || reference === undefined) return undefined;
  return {
    ok: true,
    // notify_time is per delivery: a retry of a notification whose refund was not finished asks again.
    cacheKey: `alipay:refund:${ctx.credentials.appId}:${reference}:${requestNo}:${form.get('notify_time') ?? ''}`,
    request: gatewayRequest(ctx, REFUND_QUERY, { out_trade_no: reference, out_request_no: requestNo }),
  };
}

export function outsideRefundNotice(ctx: Ctx, get: Get, requestNo: string, material: WireResponse | undefined): VerifiedNotification {
  const reference = get('out_trade_no') ?? '';
  const lookup = (why: string) => reject('NOTIFY.REFUND_LOOKUP_FAILED', `refund ${requestNo} of ${reference} made outside Paygate: ${why}`);
  if (material === undefined) return lookup('its amount could not be looked up');
  const read = readReply(ctx, REFUND_QUERY, material);
  if (!read.ok) return lookup(read.message);
  const { reply } = read;
  if (reply.code !== SUCCESS_CODE) return lookup(`${REFUND_QUERY} answered ${describeReply(reply)}`);
  const mismatch = echoMismatch(reply, 'out_trade_no', reference) ?? echoMismatch(reply, 'out_request_no', requestNo);
  if (mismatch) return lookup(mismatch.message);
  // Alipay notifies once the money moved; a query that does not say so yet is asked again on the retry.
  if (reply.node.refund_status !== 'REFUND_SUCCESS') return lookup(`${REFUND_QUERY} does not report REFUND_SUCCESS yet`);
  const amount = yuanField(reply, 'refund_amount');
  if (amount === undefined || amount === 'bad' || amount <= 0) return lookup(`refund_amount ${JSON.stringify(reply.node.refund_amount)} is not a CNY amount`);
  const total = get('refund_fee');
  const refundedTotal = total === undefined ? null : parseMinor(total, 'CNY');
  if (refundedTotal === null && total !== undefined) return reject('NOTIFY.MALFORMED', `refund_fee ${JSON.stringify(total)} is not a CNY amount`);
  const tradeNo = get('trade_no');
  return {
    ok: true,
    kind: 'refund',
    notificationId: get('notify_id') ?? '',
    reference,
    status: 'succeeded',
    providerStatus: 'REFUND_SUCCESS',
    amount,
    currency: 'CNY',
    providerRefundId: requestNo,
    ...(tradeNo === undefined ? {} : { providerTransactionId: tradeNo }),
    ...(refundedTotal === null ? {} : { refundedTotal }),
  };
}
