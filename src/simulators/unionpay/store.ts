// Simulator state in better-sqlite3: merchants, transactions (consume, refund, undo) and
// the notification outbox. A transaction is identified as at UnionPay: merId + orderId + txnTime.
import type { OutboxRow, OutboxTable } from '../common/outbox.js';
import { OUTBOX_COLUMNS, outboxIndex, SqliteStore } from '../common/sqlite.js';

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

/** The outbox row (see common/outbox.ts): the fields unsigned, signed per attempt. */
export interface NotificationRow extends OutboxRow {
  txn_id: number;
  url: string;
  fields: string;
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
  ${OUTBOX_COLUMNS}
);
${outboxIndex('notifications')}
`;

const TXN_PATCH: ReadonlySet<string> = new Set(['status', 'refunded_amt', 'settle_date', 'trace_no', 'completed_at', 'query_id']);

export class Store extends SqliteStore {
  /** The notification outbox (common/outbox.ts sends from it). */
  readonly notifications: OutboxTable<NotificationRow>;

  constructor(dataDir: string | undefined) {
    super(dataDir, 'unionpay-sim.sqlite', { schema: SCHEMA, foreignKeys: true });
    this.notifications = this.outboxTable<NotificationRow>('notifications');
  }

  getMerchant(merId: string): MerchantRow | undefined {
    return this.row<MerchantRow>('SELECT * FROM merchants WHERE mer_id = ?', merId);
  }

  upsertMerchant(row: MerchantRow): void {
    this.run('INSERT INTO merchants (mer_id, cert_pem, cert_id, created_at) VALUES (@mer_id, @cert_pem, @cert_id, @created_at) ON CONFLICT (mer_id) DO UPDATE SET cert_pem = excluded.cert_pem, cert_id = excluded.cert_id', row);
  }

  insertTxn(t: Omit<TxnRow, 'id'>): TxnRow {
    return { id: this.insert('txns', t), ...t };
  }

  updateTxn(id: number, patch: Partial<Pick<TxnRow, 'status' | 'refunded_amt' | 'settle_date' | 'trace_no' | 'completed_at' | 'query_id'>>): TxnRow {
    return this.updated<TxnRow>('txns', id, patch, TXN_PATCH);
  }

  getTxn(id: number): TxnRow | undefined {
    return this.row<TxnRow>('SELECT * FROM txns WHERE id = ?', id);
  }

  findTxn(merId: string, orderId: string, txnTime: string): TxnRow | undefined {
    return this.row<TxnRow>('SELECT * FROM txns WHERE mer_id = ? AND order_id = ? AND txn_time = ?', merId, orderId, txnTime);
  }

  findByQueryId(merId: string, queryId: string): TxnRow | undefined {
    return this.row<TxnRow>('SELECT * FROM txns WHERE mer_id = ? AND query_id = ?', merId, queryId);
  }

  /** The payer knows a QR token or an orderId, not the merchant: consumes only, across merchants. */
  findConsumes(reference: string): TxnRow[] {
    return this.all<TxnRow>("SELECT * FROM txns WHERE txn_type = '01' AND (qr_token = ? OR order_id = ?) LIMIT 2", reference, reference);
  }

  /** The consume of an orderId, whatever its txnTime (bill controls name trades by reference only). */
  findConsume(merId: string, orderId: string): TxnRow | undefined {
    return this.row<TxnRow>("SELECT * FROM txns WHERE mer_id = ? AND order_id = ? AND txn_type = '01' ORDER BY id DESC LIMIT 1", merId, orderId);
  }

  listSettled(merId: string, settleDate: string): TxnRow[] {
    return this.all<TxnRow>("SELECT * FROM txns WHERE mer_id = ? AND settle_date = ? AND status IN ('paid', 'undone', 'succeeded') ORDER BY completed_at, id", merId, settleDate);
  }
}
