import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

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

export type NotificationStatus = 'pending' | 'delivered' | 'failed' | 'dropped';

export interface NotificationRow {
  id: number;
  notify_id: string;
  mchid: string;
  url: string;
  /** The JSON envelope exactly as sent (encrypted resource inside); re-signed per attempt. */
  body: string;
  attempts: number;
  next_attempt_at: number;
  status: NotificationStatus;
  last_error: string | null;
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
  body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, status TEXT NOT NULL,
  last_error TEXT, created_at INTEGER NOT NULL, delivered_at INTEGER
);
CREATE INDEX IF NOT EXISTS notifications_due ON notifications (status, next_attempt_at);
`;

type OrderPatch = Partial<Pick<OrderRow, 'transaction_id' | 'state' | 'openid' | 'scanned_at' | 'paid_at' | 'closed_at' | 'refunded'>>;
type RefundPatch = Partial<Pick<RefundRow, 'status' | 'success_at'>>;
type NotificationPatch = Partial<Pick<NotificationRow, 'attempts' | 'next_attempt_at' | 'status' | 'last_error' | 'delivered_at'>>;

const ORDER_COLS = new Set(['transaction_id', 'state', 'openid', 'scanned_at', 'paid_at', 'closed_at', 'refunded']);
const REFUND_COLS = new Set(['status', 'success_at']);
const NOTIFICATION_COLS = new Set(['attempts', 'next_attempt_at', 'status', 'last_error', 'delivered_at']);

function setClause(patch: object, allowed: ReadonlySet<string>): string {
  const cols = Object.keys(patch);
  for (const c of cols) if (!allowed.has(c)) throw new Error(`not an updatable column: ${c}`);
  return cols.map((c) => `${c} = @${c}`).join(', ');
}

function insert(db: Database.Database, table: string, row: object): number {
  const cols = Object.keys(row);
  return Number(db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`).run(row).lastInsertRowid);
}

export class Store {
  private readonly db: Database.Database;

  constructor(dataDir: string | undefined) {
    if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
    this.db = new Database(dataDir === undefined ? ':memory:' : join(dataDir, 'wechatpay-sim.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    this.db.close();
  }

  getMerchant(mchid: string): MerchantRow | undefined {
    return this.db.prepare<[string], MerchantRow>('SELECT * FROM merchants WHERE mchid = ?').get(mchid);
  }

  upsertMerchant(row: MerchantRow): void {
    this.db.prepare(`INSERT INTO merchants (mchid, appid, serial_no, public_key, apiv3_key, mode, created_at)
      VALUES (@mchid, @appid, @serial_no, @public_key, @apiv3_key, @mode, @created_at)
      ON CONFLICT (mchid) DO UPDATE SET appid = excluded.appid, serial_no = excluded.serial_no, public_key = excluded.public_key,
        apiv3_key = excluded.apiv3_key, mode = excluded.mode`).run(row);
  }

  insertOrder(o: Omit<OrderRow, 'id'>): OrderRow {
    return { id: insert(this.db, 'orders', o), ...o };
  }

  updateOrder(id: number, patch: OrderPatch): OrderRow {
    if (Object.keys(patch).length > 0) this.db.prepare(`UPDATE orders SET ${setClause(patch, ORDER_COLS)} WHERE id = @id`).run({ ...patch, id });
    const row = this.getOrder(id);
    if (!row) throw new Error(`order ${id} vanished`);
    return row;
  }

  getOrder(id: number): OrderRow | undefined {
    return this.db.prepare<[number], OrderRow>('SELECT * FROM orders WHERE id = ?').get(id);
  }

  getOrderByOutTradeNo(mchid: string, outTradeNo: string): OrderRow | undefined {
    return this.db.prepare<[string, string], OrderRow>('SELECT * FROM orders WHERE mchid = ? AND out_trade_no = ?').get(mchid, outTradeNo);
  }

  getOrderByToken(token: string): OrderRow | undefined {
    return this.db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE code_token = ?').get(token);
  }

  /** Across merchants: the payer only knows a reference. */
  findOrders(reference: string): OrderRow[] {
    return this.db.prepare<[string, string], OrderRow>('SELECT * FROM orders WHERE out_trade_no = ? OR transaction_id = ? LIMIT 2').all(reference, reference);
  }

  listExpiredOpen(now: number, limit: number): OrderRow[] {
    return this.db.prepare<[number, number], OrderRow>("SELECT * FROM orders WHERE state IN ('NOTPAY', 'USERPAYING', 'PAYERROR') AND expires_at <= ? ORDER BY expires_at LIMIT ?").all(now, limit);
  }

  listOrdersPaidBetween(mchid: string, from: number, to: number): OrderRow[] {
    return this.db.prepare<[string, number, number], OrderRow>('SELECT * FROM orders WHERE mchid = ? AND paid_at >= ? AND paid_at < ? ORDER BY paid_at, id').all(mchid, from, to);
  }

  insertRefund(r: Omit<RefundRow, 'id'>): RefundRow {
    return { id: insert(this.db, 'refunds', r), ...r };
  }

  updateRefund(id: number, patch: RefundPatch): RefundRow {
    if (Object.keys(patch).length > 0) this.db.prepare(`UPDATE refunds SET ${setClause(patch, REFUND_COLS)} WHERE id = @id`).run({ ...patch, id });
    const row = this.db.prepare<[number], RefundRow>('SELECT * FROM refunds WHERE id = ?').get(id);
    if (!row) throw new Error(`refund ${id} vanished`);
    return row;
  }

  getRefund(mchid: string, outRefundNo: string): RefundRow | undefined {
    return this.db.prepare<[string, string], RefundRow>('SELECT * FROM refunds WHERE mchid = ? AND out_refund_no = ?').get(mchid, outRefundNo);
  }

  /** Refunds reserved against an order: processing and successful ones both count. */
  reservedRefunds(orderId: number): number {
    const row = this.db.prepare<[number], { s: number | null }>("SELECT SUM(amount) AS s FROM refunds WHERE order_id = ? AND status IN ('PROCESSING', 'SUCCESS')").get(orderId);
    return row?.s ?? 0;
  }

  listRefundsDue(now: number, limit: number): RefundRow[] {
    return this.db.prepare<[number, number], RefundRow>("SELECT * FROM refunds WHERE status = 'PROCESSING' AND settle_at <= ? ORDER BY settle_at LIMIT ?").all(now, limit);
  }

  listRefundsSucceededBetween(mchid: string, from: number, to: number): RefundRow[] {
    return this.db.prepare<[string, number, number], RefundRow>("SELECT * FROM refunds WHERE mchid = ? AND status = 'SUCCESS' AND success_at >= ? AND success_at < ? ORDER BY success_at, id").all(mchid, from, to);
  }

  insertNotification(n: Omit<NotificationRow, 'id'>): NotificationRow {
    return { id: insert(this.db, 'notifications', n), ...n };
  }

  dueNotifications(now: number, limit: number): NotificationRow[] {
    return this.db.prepare<[number, number], NotificationRow>("SELECT * FROM notifications WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?").all(now, limit);
  }

  updateNotification(id: number, patch: NotificationPatch): void {
    if (Object.keys(patch).length > 0) this.db.prepare(`UPDATE notifications SET ${setClause(patch, NOTIFICATION_COLS)} WHERE id = @id`).run({ ...patch, id });
  }

  listNotifications(mchid: string): NotificationRow[] {
    return this.db.prepare<[string], NotificationRow>('SELECT * FROM notifications WHERE mchid = ? ORDER BY id').all(mchid);
  }
}
