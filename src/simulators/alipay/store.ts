import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createSchema } from './store-schema.js';

/**
 * UNSCANNED / CLOSED_UNSCANNED are simulator-only: at real Alipay a precreated trade does not
 * exist until the buyer scans (query answers ACQ.TRADE_NOT_EXIST), but the simulator must still
 * remember it to serve the QR page and to refuse a scan after the merchant closed it.
 */
export type TradeStatus = 'UNSCANNED' | 'CLOSED_UNSCANNED' | 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';

export type SignMode = 'public_key' | 'certificate';

export interface AppRow {
  app_id: string;
  app_public_key: string;
  seller_id: string;
  created_at: number;
  /** 公钥证书模式 apps send app_cert_sn / alipay_root_cert_sn and get alipay_cert_sn back. */
  sign_mode: SignMode;
  /** SN of the app certificate the sandbox issued (certificate mode only). */
  app_cert_sn: string | null;
}

export interface TradeRow {
  id: number;
  app_id: string;
  out_trade_no: string;
  qr_token: string;
  trade_no: string | null;
  subject: string;
  body: string | null;
  total_fen: number;
  status: TradeStatus;
  notify_url: string | null;
  charset: string;
  buyer_id: string | null;
  buyer_logon_id: string | null;
  created_at: number;
  expires_at: number;
  scanned_at: number | null;
  paid_at: number | null;
  closed_at: number | null;
  refunded_fen: number;
}

export interface RefundRow {
  id: number;
  trade_id: number;
  out_request_no: string;
  amount_fen: number;
  reason: string | null;
  created_at: number;
}

export type NotificationStatus = 'pending' | 'delivered' | 'failed' | 'dropped';

export interface NotificationRow {
  id: number;
  notify_id: string;
  trade_id: number;
  url: string;
  /** JSON object of the fields, without notify_time and sign (added per attempt). */
  fields: string;
  attempts: number;
  next_attempt_at: number;
  status: NotificationStatus;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}


export type NewTrade = Omit<TradeRow, 'id'>;
type TradePatch = Partial<Omit<TradeRow, 'id' | 'app_id' | 'out_trade_no' | 'qr_token' | 'created_at'>>;
type NotificationPatch = Partial<Pick<NotificationRow, 'attempts' | 'next_attempt_at' | 'status' | 'last_error' | 'delivered_at'>>;

const TRADE_PATCH_COLUMNS: ReadonlySet<string> = new Set([
  'trade_no', 'subject', 'body', 'total_fen', 'status', 'notify_url', 'charset', 'buyer_id', 'buyer_logon_id',
  'expires_at', 'scanned_at', 'paid_at', 'closed_at', 'refunded_fen',
]);
const NOTIFICATION_PATCH_COLUMNS: ReadonlySet<string> = new Set([
  'attempts', 'next_attempt_at', 'status', 'last_error', 'delivered_at',
]);

function setClause(patch: object, allowed: ReadonlySet<string>): string {
  const cols = Object.keys(patch);
  for (const c of cols) if (!allowed.has(c)) throw new Error(`not an updatable column: ${c}`);
  return cols.map((c) => `${c} = @${c}`).join(', ');
}

export class Store {
  private readonly db: Database.Database;

  constructor(dataDir: string | undefined) {
    if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
    this.db = new Database(dataDir === undefined ? ':memory:' : join(dataDir, 'alipay-sim.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    createSchema(this.db);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    this.db.close();
  }

  // apps

  getApp(appId: string): AppRow | undefined {
    return this.db.prepare<[string], AppRow>('SELECT * FROM apps WHERE app_id = ?').get(appId);
  }

  upsertApp(row: AppRow): void {
    this.db
      .prepare(
        `INSERT INTO apps (app_id, app_public_key, seller_id, created_at, sign_mode, app_cert_sn)
         VALUES (@app_id, @app_public_key, @seller_id, @created_at, @sign_mode, @app_cert_sn)
         ON CONFLICT (app_id) DO UPDATE SET app_public_key = excluded.app_public_key, sign_mode = excluded.sign_mode, app_cert_sn = excluded.app_cert_sn`,
      )
      .run(row);
  }

  // trades

  insertTrade(t: NewTrade): TradeRow {
    const cols = Object.keys(t);
    const info = this.db
      .prepare(`INSERT INTO trades (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`)
      .run(t);
    return { id: Number(info.lastInsertRowid), ...t };
  }

  updateTrade(id: number, patch: TradePatch): TradeRow {
    if (Object.keys(patch).length > 0) {
      this.db.prepare(`UPDATE trades SET ${setClause(patch, TRADE_PATCH_COLUMNS)} WHERE id = @id`).run({ ...patch, id });
    }
    const row = this.getTradeById(id);
    if (!row) throw new Error(`trade ${id} vanished`);
    return row;
  }

  getTradeById(id: number): TradeRow | undefined {
    return this.db.prepare<[number], TradeRow>('SELECT * FROM trades WHERE id = ?').get(id);
  }

  getTradeByOutTradeNo(appId: string, outTradeNo: string): TradeRow | undefined {
    return this.db
      .prepare<[string, string], TradeRow>('SELECT * FROM trades WHERE app_id = ? AND out_trade_no = ?')
      .get(appId, outTradeNo);
  }

  getTradeByTradeNo(appId: string, tradeNo: string): TradeRow | undefined {
    return this.db
      .prepare<[string, string], TradeRow>('SELECT * FROM trades WHERE app_id = ? AND trade_no = ?')
      .get(appId, tradeNo);
  }

  getTradeByToken(token: string): TradeRow | undefined {
    return this.db.prepare<[string], TradeRow>('SELECT * FROM trades WHERE qr_token = ?').get(token);
  }

  /** Across all apps: the payer only knows the reference, not which merchant app it belongs to. */
  findTradesByReference(reference: string): TradeRow[] {
    return this.db
      .prepare<[string, string], TradeRow>('SELECT * FROM trades WHERE out_trade_no = ? OR trade_no = ? LIMIT 2')
      .all(reference, reference);
  }

  listExpiredWaiting(now: number, limit: number): TradeRow[] {
    return this.db
      .prepare<[number, number], TradeRow>(
        "SELECT * FROM trades WHERE status = 'WAIT_BUYER_PAY' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
      )
      .all(now, limit);
  }

  listTradesPaidBetween(appId: string, from: number, to: number): TradeRow[] {
    return this.db
      .prepare<[string, number, number], TradeRow>(
        'SELECT * FROM trades WHERE app_id = ? AND paid_at >= ? AND paid_at < ? ORDER BY paid_at, id',
      )
      .all(appId, from, to);
  }

  // refunds

  getRefund(tradeId: number, outRequestNo: string): RefundRow | undefined {
    return this.db
      .prepare<[number, string], RefundRow>('SELECT * FROM refunds WHERE trade_id = ? AND out_request_no = ?')
      .get(tradeId, outRequestNo);
  }

  insertRefund(r: Omit<RefundRow, 'id'>): RefundRow {
    const info = this.db
      .prepare(
        `INSERT INTO refunds (trade_id, out_request_no, amount_fen, reason, created_at)
         VALUES (@trade_id, @out_request_no, @amount_fen, @reason, @created_at)`,
      )
      .run(r);
    return { id: Number(info.lastInsertRowid), ...r };
  }

  listRefundsBetween(appId: string, from: number, to: number): Array<RefundRow & { trade: TradeRow }> {
    const rows = this.db
      .prepare<[string, number, number], RefundRow>(
        `SELECT r.* FROM refunds r JOIN trades t ON t.id = r.trade_id
         WHERE t.app_id = ? AND r.created_at >= ? AND r.created_at < ? ORDER BY r.created_at, r.id`,
      )
      .all(appId, from, to);
    return rows.map((r) => {
      const trade = this.getTradeById(r.trade_id);
      if (!trade) throw new Error(`refund ${r.id} has no trade`);
      return { ...r, trade };
    });
  }

  // notifications (the outbox)

  insertNotification(n: Omit<NotificationRow, 'id'>): NotificationRow {
    const info = this.db
      .prepare(
        `INSERT INTO notifications (notify_id, trade_id, url, fields, attempts, next_attempt_at, status, last_error, created_at, delivered_at)
         VALUES (@notify_id, @trade_id, @url, @fields, @attempts, @next_attempt_at, @status, @last_error, @created_at, @delivered_at)`,
      )
      .run(n);
    return { id: Number(info.lastInsertRowid), ...n };
  }

  dueNotifications(now: number, limit: number): NotificationRow[] {
    return this.db
      .prepare<[number, number], NotificationRow>(
        "SELECT * FROM notifications WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
      )
      .all(now, limit);
  }

  nextNotificationDue(): number | undefined {
    const row = this.db
      .prepare<[], { t: number | null }>("SELECT MIN(next_attempt_at) AS t FROM notifications WHERE status = 'pending'")
      .get();
    return row?.t ?? undefined;
  }

  updateNotification(id: number, patch: NotificationPatch): void {
    if (Object.keys(patch).length === 0) return;
    this.db
      .prepare(`UPDATE notifications SET ${setClause(patch, NOTIFICATION_PATCH_COLUMNS)} WHERE id = @id`)
      .run({ ...patch, id });
  }

  listNotifications(tradeId: number): NotificationRow[] {
    return this.db
      .prepare<[number], NotificationRow>('SELECT * FROM notifications WHERE trade_id = ? ORDER BY id')
      .all(tradeId);
  }
}
