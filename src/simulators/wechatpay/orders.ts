// Order and refund state transitions. Each one changes the row and enqueues its notification
// in a single transaction, so a restart never finds one without the other.
// NOTPAY → USERPAYING (scanned) → SUCCESS | PAYERROR | CLOSED; SUCCESS → REFUND (refunded);
// PAYERROR → USERPAYING (the buyer tries again) until the order is closed or expires.
import { encryptResource } from './crypto.js';
import { rfc3339 } from './format.js';
import { newOpenid, newRefundId, newTransactionId } from './ids.js';
import type { Notifier } from './notifier.js';
import type { MerchantRow, OrderRow, RefundRow, Store } from './store.js';

const SWEEP_BATCH = 100;
/** How long a refund stays PROCESSING before it succeeds (real: seconds to minutes), × timeScale. */
export const REFUND_PROCESSING_MS = 3_000;

export const TRADE_STATE_DESC: Readonly<Record<OrderRow['state'], string>> = {
  NOTPAY: '订单未支付', USERPAYING: '用户支付中', SUCCESS: '支付成功', PAYERROR: '支付失败', CLOSED: '订单已关闭', REFUND: '订单发生过退款',
};

/** The transaction object: query answers and the TRANSACTION.SUCCESS plaintext share it. */
export function transactionView(o: OrderRow): Record<string, unknown> {
  const paid = o.state === 'SUCCESS' || o.state === 'REFUND';
  return {
    appid: o.appid,
    mchid: o.mchid,
    out_trade_no: o.out_trade_no,
    ...(o.transaction_id !== null && paid ? { transaction_id: o.transaction_id } : {}),
    ...(o.state !== 'NOTPAY' ? { trade_type: 'NATIVE' } : {}),
    trade_state: o.state,
    trade_state_desc: TRADE_STATE_DESC[o.state],
    ...(paid ? { bank_type: 'OTHERS', success_time: rfc3339(o.paid_at ?? o.created_at) } : {}),
    ...(o.attach !== null ? { attach: o.attach } : {}),
    ...(o.openid !== null && o.state !== 'NOTPAY' ? { payer: { openid: o.openid } } : {}),
    amount: paid ? { total: o.total, payer_total: o.total, currency: o.currency, payer_currency: o.currency } : { total: o.total, currency: o.currency },
    promotion_detail: [],
  };
}

export function refundView(r: RefundRow, o: OrderRow): Record<string, unknown> {
  return {
    refund_id: r.refund_id,
    out_refund_no: r.out_refund_no,
    transaction_id: o.transaction_id,
    out_trade_no: o.out_trade_no,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    ...(r.success_at !== null ? { success_time: rfc3339(r.success_at) } : {}),
    create_time: rfc3339(r.created_at),
    status: r.status,
    funds_account: 'AVAILABLE',
    amount: {
      total: o.total, refund: r.amount, payer_total: o.total, payer_refund: r.amount,
      settlement_refund: r.amount, settlement_total: o.total, discount_refund: 0, currency: o.currency, refund_fee: 0,
    },
    promotion_detail: [],
  };
}

export class Orders {
  constructor(
    private readonly store: Store,
    private readonly notifier: Notifier,
    private readonly now: () => number,
    private readonly timeScale: number,
  ) {}

  isExpired(o: OrderRow): boolean {
    return o.expires_at <= this.now();
  }

  scan(o: OrderRow): OrderRow {
    return this.store.updateOrder(o.id, { state: 'USERPAYING', scanned_at: this.now(), openid: newOpenid() });
  }

  pay(o: OrderRow): OrderRow {
    return this.store.transaction(() => {
      const paid = this.store.updateOrder(o.id, { state: 'SUCCESS', paid_at: this.now(), transaction_id: newTransactionId(this.now()) });
      const merchant = this.store.getMerchant(paid.mchid);
      if (merchant) this.notify(merchant, paid.notify_url, 'TRANSACTION.SUCCESS', '支付成功', 'transaction', transactionView(paid));
      return paid;
    });
  }

  /** The buyer's payment failed (WeChat sends no notification for this; a query tells). */
  fail(o: OrderRow): OrderRow {
    return this.store.updateOrder(o.id, { state: 'PAYERROR' });
  }

  close(o: OrderRow, at = this.now()): OrderRow {
    return this.store.updateOrder(o.id, { state: 'CLOSED', closed_at: at });
  }

  /** Lazily applies time_expire when an order is looked at. */
  expireIfDue(o: OrderRow): OrderRow {
    return (o.state === 'NOTPAY' || o.state === 'USERPAYING' || o.state === 'PAYERROR') && this.isExpired(o) ? this.close(o, o.expires_at) : o;
  }

  /** Accepts a refund; it stays PROCESSING for a while, then succeeds (settleDue). */
  refund(o: OrderRow, outRefundNo: string, amount: number, reason: string | null, notifyUrl: string | null): RefundRow {
    const now = this.now();
    return this.store.insertRefund({
      mchid: o.mchid, order_id: o.id, out_refund_no: outRefundNo, refund_id: newRefundId(now), amount, reason, status: 'PROCESSING',
      notify_url: notifyUrl, created_at: now, settle_at: now + Math.round(REFUND_PROCESSING_MS * this.timeScale), success_at: null,
    });
  }

  sweep(): void {
    for (const o of this.store.listExpiredOpen(this.now(), SWEEP_BATCH)) this.close(o, o.expires_at);
    for (const r of this.store.listRefundsDue(this.now(), SWEEP_BATCH)) this.settleRefund(r);
  }

  settleRefund(r: RefundRow): RefundRow {
    return this.store.transaction(() => {
      const order = this.store.getOrder(r.order_id);
      if (!order) throw new Error(`refund ${r.refund_id} has no order`);
      const done = this.store.updateRefund(r.id, { status: 'SUCCESS', success_at: this.now() });
      const updated = this.store.updateOrder(order.id, { state: 'REFUND', refunded: order.refunded + r.amount });
      const merchant = this.store.getMerchant(r.mchid);
      if (merchant && done.notify_url) {
        this.notify(merchant, done.notify_url, 'REFUND.SUCCESS', '退款成功', 'refund', {
          mchid: r.mchid, out_trade_no: updated.out_trade_no, transaction_id: updated.transaction_id, out_refund_no: done.out_refund_no,
          refund_id: done.refund_id, refund_status: done.status, success_time: rfc3339(done.success_at ?? this.now()),
          user_received_account: '支付用户零钱', amount: { total: updated.total, refund: done.amount, payer_total: updated.total, payer_refund: done.amount },
        });
      }
      return done;
    });
  }

  private notify(m: MerchantRow, url: string, eventType: string, summary: string, originalType: string, plaintext: Record<string, unknown>): void {
    this.notifier.enqueue(m.mchid, url, (id) => ({
      id,
      create_time: rfc3339(this.now()),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary,
      resource: encryptResource(JSON.stringify(plaintext), m.apiv3_key, originalType, originalType),
    }));
  }
}
