// The simulator's state tables (see store.ts for the row types).
import { OUTBOX_COLUMNS, outboxIndex, type StoreOptions } from '../common/sqlite.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS apps (
  app_id TEXT PRIMARY KEY,
  app_public_key TEXT NOT NULL,
  seller_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  sign_mode TEXT NOT NULL DEFAULT 'public_key',
  app_cert_sn TEXT
);
CREATE TABLE IF NOT EXISTS trades (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  app_id TEXT NOT NULL REFERENCES apps(app_id),
  out_trade_no TEXT NOT NULL,
  qr_token TEXT NOT NULL UNIQUE,
  trade_no TEXT UNIQUE,
  subject TEXT NOT NULL,
  body TEXT,
  total_fen INTEGER NOT NULL,
  status TEXT NOT NULL,
  notify_url TEXT,
  charset TEXT NOT NULL,
  buyer_id TEXT,
  buyer_logon_id TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  scanned_at INTEGER,
  paid_at INTEGER,
  closed_at INTEGER,
  refunded_fen INTEGER NOT NULL DEFAULT 0,
  UNIQUE (app_id, out_trade_no)
);
CREATE INDEX IF NOT EXISTS trades_status_expiry ON trades (status, expires_at);
CREATE INDEX IF NOT EXISTS trades_out_trade_no ON trades (out_trade_no);
CREATE INDEX IF NOT EXISTS trades_paid_at ON trades (app_id, paid_at);
CREATE TABLE IF NOT EXISTS refunds (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  trade_id INTEGER NOT NULL REFERENCES trades(id),
  out_request_no TEXT NOT NULL,
  amount_fen INTEGER NOT NULL,
  reason TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (trade_id, out_request_no)
);
CREATE INDEX IF NOT EXISTS refunds_created_at ON refunds (created_at);
CREATE TABLE IF NOT EXISTS notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  notify_id TEXT NOT NULL UNIQUE,
  trade_id INTEGER NOT NULL REFERENCES trades(id),
  url TEXT NOT NULL,
  fields TEXT NOT NULL,
  ${OUTBOX_COLUMNS},
  created_at INTEGER NOT NULL,
  delivered_at INTEGER
);
${outboxIndex('notifications')}
`;

export const ALIPAY_STORE: StoreOptions = {
  schema: SCHEMA,
  foreignKeys: true,
  // State files written before certificate mode lack its columns; CREATE IF NOT EXISTS keeps the old table.
  migrate: (columnsOf, exec) => {
    const cols = columnsOf('apps');
    if (!cols.has('sign_mode')) exec("ALTER TABLE apps ADD COLUMN sign_mode TEXT NOT NULL DEFAULT 'public_key'");
    if (!cols.has('app_cert_sn')) exec('ALTER TABLE apps ADD COLUMN app_cert_sn TEXT');
  },
};
