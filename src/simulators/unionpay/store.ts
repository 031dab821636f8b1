// Simulator state in better-sqlite3: merchants, transactions (consume, refund, undo) and
// the notification outbox. A transaction is identified as at UnionPay: merId + orderId + txnTime.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface MerchantRow {
  mer_id: string;
  cert_pem: string;
  cert_id: string;
  created_at: number;
}

/**
 * Consume: open (QR issued, unpaid) → paid | failed | closed (undone before payment) | undone (reversed).
 * Refund / undo: succeeded.
 */
export type TxnStatus = 'open' | 'paid' | 'failed' | 'closed' | 'undone' | 'succeeded';

export interface TxnRow {
  id: number;
  mer_id: string;
  order_id: string;
  txn_time: string;
  txn_type: string;
  txn_sub_type: string;
  txn_amt: number;
  back_url: string | null;
  req_reserved: string | null;
  query_id: string;
  orig_id: number | null;
  status: TxnStatus;
  qr_token: string | null;
  pay_timeout: number | null;
  refunded_amt: number;
  settle_date: string | null;
  trace_no: string | null;
  created_at: number;
  completed_at: number | null;
}

export interface NotificationRow {
  id: number;
  txn_id: number;
  url: string;
  fields: string;
  attempts: number;
  next_attempt_at: number;
  status: 'pending' | 'delivered' | 'failed' | 'dropped';
  last_error: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS merchants (mer_id TEXT PRIMARY KEY, cert_pem TEXT NOT NULL, cert_id TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS txns (
  id INTEGER PRIMARY KEY AUTOINCREMENT, mer_id TEXT NOT NULL REFERENCES merchants(mer_id), order_id TEXT NOT NULL, txn_time TEXT NOT NULL,
  txn_type TEXT NOT NULL, txn_sub_type TEXT NOT NULL, txn_amt INTEGER NOT NULL, back_url TEXT, req_reserved TEXT, query_id TEXT NOT NULL UNIQUE,
  orig_id INTEGER REFERENCES txns(id), status TEXT NOT NULL, qr_token TEXT UNIQUE, pay_timeout INTEGER, refunded_amt INTEGER NOT NULL DEFAULT 0,
  settle_date TEXT, trace_no TEXT, created_at INTEGER NOT NULL, completed_at INTEGER,
  UNIQUE (mer_id, order_id, txn_time)
);
CREATE INDEX IF NOT EXISTS txns_order ON txns (order_id);
CREATE INDEX IF NOT EXISTS txns_settle ON txns (mer_id, settle_date);
CREATE TABLE IF NOT EXISTS notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT, txn_id INTEGER NOT NULL REFERENCES txns(id), url TEXT NOT NULL, fields TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, status TEXT NOT NULL, last_error TEXT
);
CREATE INDEX IF NOT EXISTS notifications_due ON notifications (status, next_attempt_at);
`;

const TXN_PATCH = new Set(['status', 'refunded_amt', 'settle_date', 'trace_no', 'completed_at', 'query_id']);
const NOTIFY_PATCH = new Set(['attempts', 'next_attempt_at', 'status', 'last_error']);

function setClause(patch: object, allowed: ReadonlySet<string>): string {
  return Object.keys(patch)
    .map((c) => {
      if (!allowed.has(c)) throw new Error(`not an updatable column: ${c}`);
      return `${c} = @${c}`;
    })
    .join(', ');
}

export class Store {
  private readonly db: Database.Database;

  constructor(dataDir: string | undefined) {
    if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
    this.db = new Database(dataDir === undefined ? ':memory:' : join(dataDir, 'unionpay-sim.sqlite'));
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

  getMerchant(merId: string): MerchantRow | undefined {
    return this.db.prepare<[string], MerchantRow>('SELECT * FROM merchants WHERE mer_id = ?').get(merId);
  }

  upsertMerchant(row: MerchantRow): void {
    this.db
      .prepare('INSERT INTO merchants (mer_id, cert_pem, cert_id, created_at) VALUES (@mer_id, @cert_pem, @cert_id, @created_at) ON CONFLICT (mer_id) DO UPDATE SET cert_pem = excluded.cert_pem, cert_id = excluded.cert_id')
      .run(row);
  }

  insertTxn(t: Omit<TxnRow, 'id'>): TxnRow {
    const cols = Object.keys(t);
    const info = this.db.prepare(`INSERT INTO txns (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`).run(t);
    return { id: Number(info.lastInsertRowid), ...t };
  }

  updateTxn(id: number, patch: Partial<Pick<TxnRow, 'status' | 'refunded_amt' | 'settle_date' | 'trace_no' | 'completed_at' | 'query_id'>>): TxnRow {
    if (Object.keys(patch).length > 0) this.db.prepare(`UPDATE txns SET ${setClause(patch, TXN_PATCH)} WHERE id = @id`).run({ ...patch, id });
    const row = this.getTxn(id);
    if (!row) throw new Error(`txn ${id} vanished`);
    return row;
  }

  getTxn(id: number): TxnRow | undefined {
    return this.db.prepare<[number], TxnRow>('SELECT * FROM txns WHERE id = ?').get(id);
  }

  findTxn(merId: string, orderId: string, txnTime: string): TxnRow | undefined {
    return this.db.prepare<[string, string, string], TxnRow>('SELECT * FROM txns WHERE mer_id = ? AND order_id = ? AND txn_time = ?').get(merId, orderId, txnTime);
  }

  findByQueryId(merId: string, queryId: string): TxnRow | undefined {
    return this.db.prepare<[string, string], TxnRow>('SELECT * FROM txns WHERE mer_id = ? AND query_id = ?').get(merId, queryId);
  }

  /** The payer knows a QR token or an orderId, not the merchant: consumes only, across merchants. */
  findConsumes(reference: string): TxnRow[] {
    return this.db
      .prepare<[string, string], TxnRow>("SELECT * FROM txns WHERE txn_type = '01' AND (qr_token = ? OR order_id = ?) LIMIT 2")
      .all(reference, reference);
  }

  listSettled(merId: string, settleDate: string): TxnRow[] {
    return this.db
      .prepare<[string, string], TxnRow>("SELECT * FROM txns WHERE mer_id = ? AND settle_date = ? AND status IN ('paid', 'undone', 'succeeded') ORDER BY completed_at, id")
      .all(merId, settleDate);
  }

  insertNotification(n: Omit<NotificationRow, 'id'>): NotificationRow {
    const info = this.db
      .prepare('INSERT INTO notifications (txn_id, url, fields, attempts, next_attempt_at, status, last_error) VALUES (@txn_id, @url, @fields, @attempts, @next_attempt_at, @status, @last_error)')
      .run(n);
    return { id: Number(info.lastInsertRowid), ...n };
  }

  dueNotifications(now: number, limit: number): NotificationRow[] {
    return this.db
      .prepare<[number, number], NotificationRow>("SELECT * FROM notifications WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?")
      .all(now, limit);
  }

  updateNotification(id: number, patch: Partial<Pick<NotificationRow, 'attempts' | 'next_attempt_at' | 'status' | 'last_error'>>): void {
    if (Object.keys(patch).length === 0) return;
    this.db.prepare(`UPDATE notifications SET ${setClause(patch, NOTIFY_PATCH)} WHERE id = @id`).run({ ...patch, id });
  }

  listNotifications(txnId: number): NotificationRow[] {
    return this.db.prepare<[number], NotificationRow>('SELECT * FROM notifications WHERE txn_id = ? ORDER BY id').all(txnId);
  }
}
