// Trade state transitions. Each one changes the row and enqueues its notification in a single
// transaction, so a restart never finds a state change without its notification (or vice versa).
import { formatCst, formatCstMillis, formatYuan } from './format.js';
import { newBuyer, newTradeNo } from './ids.js';
import type { Notifier } from './notifier.js';
import type { RefundRow, Store, TradeRow } from './store.js';

const EXPIRY_SWEEP_BATCH = 100;

export class Trades {
  constructor(
    private readonly store: Store,
    private readonly notifier: Notifier,
    private readonly now: () => number,
  ) {}

  isExpired(trade: TradeRow): boolean {
    return trade.expires_at <= this.now();
  }

  /** The buyer scans the QR code: the trade comes into existence at Alipay (WAIT_BUYER_PAY). */
  /** `buyer`: the wallet's buyer_id (a sandbox buyer paying again); default a new buyer. */
  scan(trade: TradeRow, buyer?: string): TradeRow {
    return this.store.transaction(() => {
      const updated = this.store.updateTrade(trade.id, {
        status: 'WAIT_BUYER_PAY',
        trade_no: newTradeNo(this.now()),
        scanned_at: this.now(),
        ...(buyer ? { buyer_id: buyer, buyer_logon_id: newBuyer().buyer_logon_id } : newBuyer()),
      });
      this.notify(updated);
      return updated;
    });
  }

  pay(trade: TradeRow): TradeRow {
    return this.store.transaction(() => {
      const updated = this.store.updateTrade(trade.id, { status: 'TRADE_SUCCESS', paid_at: this.now() });
      this.notify(updated);
      return updated;
    });
  }

  /** Closes a scanned, unpaid trade (merchant close/cancel, failed payment, or expiry). */
  closeWaiting(trade: TradeRow, at = this.now()): TradeRow {
    return this.store.transaction(() => {
      const updated = this.store.updateTrade(trade.id, { status: 'TRADE_CLOSED', closed_at: at });
      this.notify(updated);
      return updated;
    });
  }

  /** Nothing exists at Alipay yet, so nothing to notify; but a later scan must be refused. */
  closeUnscanned(trade: TradeRow): TradeRow {
    return this.store.updateTrade(trade.id, { status: 'CLOSED_UNSCANNED', closed_at: this.now() });
  }

  refund(trade: TradeRow, outRequestNo: string, amountFen: number, reason: string | null): { trade: TradeRow; refund: RefundRow } {
    return this.store.transaction(() => {
      const now = this.now();
      const refund = this.store.insertRefund({
        trade_id: trade.id,
        out_request_no: outRequestNo,
        amount_fen: amountFen,
        reason,
        created_at: now,
      });
      const refunded = trade.refunded_fen + amountFen;
      const full = refunded === trade.total_fen;
      const updated = this.store.updateTrade(trade.id, {
        refunded_fen: refunded,
        ...(full ? { status: 'TRADE_CLOSED' as const, closed_at: now } : {}),
      });
      this.notify(updated, refund);
      return { trade: updated, refund };
    });
  }

  /** Lazily applies time_expire / timeout_express when a trade is looked at. */
  expireIfDue(trade: TradeRow): TradeRow {
    if (trade.status === 'WAIT_BUYER_PAY' && this.isExpired(trade)) return this.closeWaiting(trade, trade.expires_at);
    return trade;
  }

  /** Background sweep so an expired scanned trade also gets its TRADE_CLOSED notification unprompted. */
  expireDue(): void {
    for (const t of this.store.listExpiredWaiting(this.now(), EXPIRY_SWEEP_BATCH)) this.closeWaiting(t, t.expires_at);
  }

  private notify(trade: TradeRow, refund?: RefundRow): void {
    const app = this.store.getApp(trade.app_id);
    if (!app || !trade.trade_no) return;
    const paid = trade.paid_at !== null;
    // Field set per alipay.md; empty ones are omitted rather than sent as "".
    const candidate: Record<string, string | undefined> = {
      notify_type: 'trade_status_sync',
      app_id: trade.app_id,
      charset: trade.charset,
      version: '1.0',
      sign_type: 'RSA2',
      trade_no: trade.trade_no,
      out_trade_no: trade.out_trade_no,
      out_biz_no: refund?.out_request_no,
      buyer_id: trade.buyer_id ?? undefined,
      seller_id: app.seller_id,
      trade_status: trade.status,
      total_amount: formatYuan(trade.total_fen),
      receipt_amount: paid ? formatYuan(trade.total_fen) : undefined,
      buyer_pay_amount: paid ? formatYuan(trade.total_fen) : undefined,
      refund_fee: refund ? formatYuan(trade.refunded_fen) : undefined,
      gmt_create: trade.scanned_at !== null ? formatCst(trade.scanned_at) : undefined,
      gmt_payment: trade.paid_at !== null ? formatCst(trade.paid_at) : undefined,
      gmt_refund: refund ? formatCstMillis(refund.created_at) : undefined,
      gmt_close: trade.status === 'TRADE_CLOSED' && trade.closed_at !== null ? formatCst(trade.closed_at) : undefined,
    };
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(candidate)) if (v !== undefined && v !== '') fields[k] = v;
    this.notifier.enqueue(trade, fields);
  }
}
