// The simulator's state tables (see store.ts for the row types).
import type Database from 'better-sqlite3';

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
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER
);
CREATE INDEX IF NOT EXISTS notifications_due ON notifications (status, next_attempt_at);
`;

export function createSchema(db: Database.Database): void {
  db.exec(SCHEMA);
  // State files written before certificate mode lack its columns; CREATE IF NOT EXISTS keeps the old table.
  const cols = new Set(db.prepare<[], { name: string }>('PRAGMA table_info(apps)').all().map((c) => c.name));
  if (!cols.has('sign_mode')) db.exec("ALTER TABLE apps ADD COLUMN sign_mode TEXT NOT NULL DEFAULT 'public_key'");
  if (!cols.has('app_cert_sn')) db.exec('ALTER TABLE apps ADD COLUMN app_cert_sn TEXT');
}
