import type { OutboxRow, OutboxTable } from '../common/outbox.js';
import { OUTBOX_COLUMNS, outboxIndex, SqliteStore } from '../common/sqlite.js';

/** WeChat Pay trade_state values the simulator produces (REVOKED is for micropay only). */
export type TradeState = 'NOTPAY' | 'USERPAYING' | 'SUCCESS' | 'PAYERROR' | 'CLOSED' | 'REFUND';
export type RefundState = 'PROCESSING' | 'SUCCESS' | 'ABNORMAL' | 'CLOSED';
/** Which WeChat Pay key signs this merchant's answers and notifications. */
export type VerifyMode = 'public_key' | 'certificate';

export interface MerchantRow {
  mchid: string;
  appid: string;
  serial_no: string;
  public_key: string;
  apiv3_key: string;
  mode: VerifyMode;
  created_at: number;
}

export interface OrderRow {
  id: number;
  mchid: string;
  appid: string;
  out_trade_no: string;
  code_token: string;
  transaction_id: string | null;
  description: string;
  attach: string | null;
  total: number;
  currency: string;
  state: TradeState;
  notify_url: string;
  openid: string | null;
  created_at: number;
  expires_at: number;
  scanned_at: number | null;
  paid_at: number | null;
  closed_at: number | null;
  refunded: number;
}

export interface RefundRow {
  id: number;
  mchid: string;
  order_id: number;
  out_refund_no: string;
  refund_id: string;
  amount: number;
  reason: string | null;
  status: RefundState;
  notify_url: string | null;
  created_at: number;
  settle_at: number;
  success_at: number | null;
}

/** The outbox row (see common/outbox.ts). */
export interface NotificationRow extends OutboxRow {
  notify_id: string;
  mchid: string;
  url: string;
  /** The JSON envelope exactly as sent (encrypted resource inside); re-signed per attempt. */
  body: string;
  created_at: number;
  delivered_at: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS merchants (
  mchid TEXT PRIMARY KEY, appid TEXT NOT NULL, serial_no TEXT NOT NULL, public_key TEXT NOT NULL,
  apiv3_key TEXT NOT NULL, mode TEXT NOT NULL, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
  id INTEGER PRIMARY KEY AUTOINCREMENT, mchid TEXT NOT NULL REFERENCES merchants(mchid), appid TEXT NOT NULL,
  out_trade_no TEXT NOT NULL, code_token TEXT NOT NULL UNIQUE, transaction_id TEXT UNIQUE, description TEXT NOT NULL,
  attach TEXT, total INTEGER NOT NULL, currency TEXT NOT NULL, state TEXT NOT NULL, notify_url TEXT NOT NULL, openid TEXT,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, scanned_at INTEGER, paid_at INTEGER, closed_at INTEGER,
  refunded INTEGER NOT NULL DEFAULT 0, UNIQUE (mchid, out_trade_no)
);
CREATE INDEX IF NOT EXISTS orders_expiry ON orders (state, expires_at);
CREATE INDEX IF NOT EXISTS orders_paid_at ON orders (mchid, paid_at);
CREATE TABLE IF NOT EXISTS refunds (
  id INTEGER PRIMARY KEY AUTOINCREMENT, mchid TEXT NOT NULL, order_id INTEGER NOT NULL REFERENCES orders(id),
  out_refund_no TEXT NOT NULL, refund_id TEXT NOT NULL UNIQUE, amount INTEGER NOT NULL, reason TEXT, status TEXT NOT NULL,
  notify_url TEXT, created_at INTEGER NOT NULL, settle_at INTEGER NOT NULL, success_at INTEGER, UNIQUE (mchid, out_refund_no)
);
CREATE INDEX IF NOT EXISTS refunds_settle ON refunds (status, settle_at);
CREATE TABLE IF NOT EXISTS notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT, notify_id TEXT NOT NULL UNIQUE, mchid TEXT NOT NULL, url TEXT NOT NULL,
  body TEXT NOT NULL, ${OUTBOX_COLUMNS}, created_at INTEGER NOT NULL, delivered_at INTEGER
);
${outboxIndex('notifications')}
`;

type OrderPatch = Partial<Pick<OrderRow, 'transaction_id' | 'state' | 'openid' | 'scanned_at' | 'paid_at' | 'closed_at' | 'refunded'>>;
type RefundPatch = Partial<Pick<RefundRow, 'status' | 'success_at'>>;
const ORDER_COLS: ReadonlySet<string> = new Set(['transaction_id', 'state', 'openid', 'scanned_at', 'paid_at', 'closed_at', 'refunded']);
const REFUND_COLS: ReadonlySet<string> = new Set(['status', 'success_at']);

export class Store extends SqliteStore {
  /** The notification outbox (common/outbox.ts sends from it). */
  readonly notifications: OutboxTable<NotificationRow>;

  constructor(dataDir: string | undefined) {
    super(dataDir, 'wechatpay-sim.sqlite', { schema: SCHEMA, foreignKeys: true });
    this.notifications = this.outboxTable<NotificationRow>('notifications', { deliveredAt: true });
  }

  getMerchant(mchid: string): MerchantRow | undefined {
    return this.row<MerchantRow>('SELECT * FROM merchants WHERE mchid = ?', mchid);
  }

  upsertMerchant(row: MerchantRow): void {
    this.run(`INSERT INTO merchants (mchid, appid, serial_no, public_key, apiv3_key, mode, created_at)
      VALUES (@mchid, @appid, @serial_no, @public_key, @apiv3_key, @mode, @created_at)
      ON CONFLICT (mchid) DO UPDATE SET appid = excluded.appid, serial_no = excluded.serial_no, public_key = excluded.public_key,
        apiv3_key = excluded.apiv3_key, mode = excluded.mode`, row);
  }

  insertOrder(o: Omit<OrderRow, 'id'>): OrderRow {
    return { id: this.insert('orders', o), ...o };
  }

  updateOrder(id: number, patch: OrderPatch): OrderRow {
    return this.updated<OrderRow>('orders', id, patch, ORDER_COLS);
  }

  getOrder(id: number): OrderRow | undefined {
    return this.row<OrderRow>('SELECT * FROM orders WHERE id = ?', id);
  }

  getOrderByOutTradeNo(mchid: string, outTradeNo: string): OrderRow | undefined {
    return this.row<OrderRow>('SELECT * FROM orders WHERE mchid = ? AND out_trade_no = ?', mchid, outTradeNo);
  }

  getOrderByToken(token: string): OrderRow | undefined {
    return this.row<OrderRow>('SELECT * FROM orders WHERE code_token = ?', token);
  }

  /** Across merchants: the payer only knows a reference. */
  findOrders(reference: string): OrderRow[] {
    return this.all<OrderRow>('SELECT * FROM orders WHERE out_trade_no = ? OR transaction_id = ? LIMIT 2', reference, reference);
  }

  listExpiredOpen(now: number, limit: number): OrderRow[] {
    return this.all<OrderRow>("SELECT * FROM orders WHERE state IN ('NOTPAY', 'USERPAYING', 'PAYERROR') AND expires_at <= ? ORDER BY expires_at LIMIT ?", now, limit);
  }

  listOrdersPaidBetween(mchid: string, from: number, to: number): OrderRow[] {
    return this.all<OrderRow>('SELECT * FROM orders WHERE mchid = ? AND paid_at >= ? AND paid_at < ? ORDER BY paid_at, id', mchid, from, to);
  }

  insertRefund(r: Omit<RefundRow, 'id'>): RefundRow {
    return { id: this.insert('refunds', r), ...r };
  }

  updateRefund(id: number, patch: RefundPatch): RefundRow {
    return this.updated<RefundRow>('refunds', id, patch, REFUND_COLS);
  }

  getRefund(mchid: string, outRefundNo: string): RefundRow | undefined {
    return this.row<RefundRow>('SELECT * FROM refunds WHERE mchid = ? AND out_refund_no = ?', mchid, outRefundNo);
  }

  /** Refunds reserved against an order: processing and successful ones both count. */
  reservedRefunds(orderId: number): number {
    return this.row<{ s: number | null }>("SELECT SUM(amount) AS s FROM refunds WHERE order_id = ? AND status IN ('PROCESSING', 'SUCCESS')", orderId)?.s ?? 0;
  }

  listRefundsDue(now: number, limit: number): RefundRow[] {
    return this.all<RefundRow>("SELECT * FROM refunds WHERE status = 'PROCESSING' AND settle_at <= ? ORDER BY settle_at LIMIT ?", now, limit);
  }

  listRefundsSucceededBetween(mchid: string, from: number, to: number): RefundRow[] {
    return this.all<RefundRow>("SELECT * FROM refunds WHERE mchid = ? AND status = 'SUCCESS' AND success_at >= ? AND success_at < ? ORDER BY success_at, id", mchid, from, to);
  }
}
