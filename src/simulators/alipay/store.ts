import type { OutboxRow, OutboxTable } from '../common/outbox.js';
import { SqliteStore } from '../common/sqlite.js';
import { ALIPAY_STORE } from './store-schema.js';

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

/** The outbox row (see common/outbox.ts); notify_time and sign are added per attempt. */
export interface NotificationRow extends OutboxRow {
  notify_id: string;
  trade_id: number;
  url: string;
  /** JSON object of the fields, without notify_time and sign (added per attempt). */
  fields: string;
  created_at: number;
  delivered_at: number | null;
}

export type NewTrade = Omit<TradeRow, 'id'>;
type TradePatch = Partial<Omit<TradeRow, 'id' | 'app_id' | 'out_trade_no' | 'qr_token' | 'created_at'>>;

const TRADE_PATCH_COLUMNS: ReadonlySet<string> = new Set([
  'trade_no', 'subject', 'body', 'total_fen', 'status', 'notify_url', 'charset', 'buyer_id', 'buyer_logon_id',
  'expires_at', 'scanned_at', 'paid_at', 'closed_at', 'refunded_fen',
]);

export class Store extends SqliteStore {
  /** The notification outbox (common/outbox.ts sends from it). */
  readonly notifications: OutboxTable<NotificationRow>;

  constructor(dataDir: string | undefined) {
    super(dataDir, 'alipay-sim.sqlite', ALIPAY_STORE);
    this.notifications = this.outboxTable<NotificationRow>('notifications', { deliveredAt: true });
  }

  // apps

  getApp(appId: string): AppRow | undefined {
    return this.row<AppRow>('SELECT * FROM apps WHERE app_id = ?', appId);
  }

  upsertApp(row: AppRow): void {
    this.run(
      `INSERT INTO apps (app_id, app_public_key, seller_id, created_at, sign_mode, app_cert_sn)
       VALUES (@app_id, @app_public_key, @seller_id, @created_at, @sign_mode, @app_cert_sn)
       ON CONFLICT (app_id) DO UPDATE SET app_public_key = excluded.app_public_key, sign_mode = excluded.sign_mode, app_cert_sn = excluded.app_cert_sn`,
      row,
    );
  }

  // trades

  insertTrade(t: NewTrade): TradeRow {
    return { id: this.insert('trades', t), ...t };
  }

  updateTrade(id: number, patch: TradePatch): TradeRow {
    return this.updated<TradeRow>('trades', id, patch, TRADE_PATCH_COLUMNS);
  }

  getTradeById(id: number): TradeRow | undefined {
    return this.row<TradeRow>('SELECT * FROM trades WHERE id = ?', id);
  }

  getTradeByOutTradeNo(appId: string, outTradeNo: string): TradeRow | undefined {
    return this.row<TradeRow>('SELECT * FROM trades WHERE app_id = ? AND out_trade_no = ?', appId, outTradeNo);
  }

  getTradeByTradeNo(appId: string, tradeNo: string): TradeRow | undefined {
    return this.row<TradeRow>('SELECT * FROM trades WHERE app_id = ? AND trade_no = ?', appId, tradeNo);
  }

  getTradeByToken(token: string): TradeRow | undefined {
    return this.row<TradeRow>('SELECT * FROM trades WHERE qr_token = ?', token);
  }

  /** Across all apps: the payer only knows the reference, not which merchant app it belongs to. */
  findTradesByReference(reference: string): TradeRow[] {
    return this.all<TradeRow>('SELECT * FROM trades WHERE out_trade_no = ? OR trade_no = ? LIMIT 2', reference, reference);
  }

  listExpiredWaiting(now: number, limit: number): TradeRow[] {
    return this.all<TradeRow>("SELECT * FROM trades WHERE status = 'WAIT_BUYER_PAY' AND expires_at <= ? ORDER BY expires_at LIMIT ?", now, limit);
  }

  listTradesPaidBetween(appId: string, from: number, to: number): TradeRow[] {
    return this.all<TradeRow>('SELECT * FROM trades WHERE app_id = ? AND paid_at >= ? AND paid_at < ? ORDER BY paid_at, id', appId, from, to);
  }

  // refunds

  getRefund(tradeId: number, outRequestNo: string): RefundRow | undefined {
    return this.row<RefundRow>('SELECT * FROM refunds WHERE trade_id = ? AND out_request_no = ?', tradeId, outRequestNo);
  }

  insertRefund(r: Omit<RefundRow, 'id'>): RefundRow {
    return { id: this.insert('refunds', r), ...r };
  }

  listRefundsBetween(appId: string, from: number, to: number): Array<RefundRow & { trade: TradeRow }> {
    const rows = this.all<RefundRow>(
      `SELECT r.* FROM refunds r JOIN trades t ON t.id = r.trade_id
       WHERE t.app_id = ? AND r.created_at >= ? AND r.created_at < ? ORDER BY r.created_at, r.id`,
      appId, from, to,
    );
    return rows.map((r) => {
      const trade = this.getTradeById(r.trade_id);
      if (!trade) throw new Error(`refund ${r.id} has no trade`);
      return { ...r, trade };
    });
  }
}
