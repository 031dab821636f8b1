// The simulator's state in SQLite (in <dataDir>/paypal-sim.sqlite, or in memory): apps,
// tokens, webhooks, orders, captures, refunds, reversals, disputes, PayPal-Request-Id replays, webhook outbox.
import type { OutboxRow, OutboxTable } from '../common/outbox.js';
import { OUTBOX_COLUMNS, outboxIndex, SqliteStore } from '../common/sqlite.js';

export type OrderStatus = 'CREATED' | 'PAYER_ACTION_REQUIRED' | 'APPROVED' | 'COMPLETED' | 'VOIDED';

export interface AppRow { client_id: string; client_secret: string; webhook_id: string; created_at: number }
export interface WebhookRow { id: string; client_id: string; url: string | null; event_types: string; created_at: number }
export interface OrderRow {
  id: string; client_id: string; status: OrderStatus; reference_id: string | null; custom_id: string | null; invoice_id: string | null;
  description: string | null; currency: string; amount_minor: number; return_url: string | null; cancel_url: string | null;
  uses_payment_source: number; decline: number; payer_id: string | null; created_at: number; updated_at: number;
}
export interface CaptureRow {
  id: string; order_id: string; client_id: string; status: string; currency: string; amount_minor: number; refunded_minor: number;
  custom_id: string | null; invoice_id: string | null; created_at: number;
}
export interface RefundRow {
  id: string; capture_id: string; client_id: string; status: string; currency: string; amount_minor: number;
  custom_id: string | null; invoice_id: string | null; note_to_payer: string | null; created_at: number;
}
/** A reversal (chargeback / PayPal taking the money back): refund-shaped at PayPal, kept apart from the merchant's refunds. */
export interface ReversalRow { id: string; capture_id: string; client_id: string; currency: string; amount_minor: number; reason: string; created_at: number }
export interface DisputeRow {
  id: string; capture_id: string; client_id: string; status: string; outcome: string | null; reason: string; stage: string;
  currency: string; amount_minor: number; created_at: number; updated_at: number;
}
/** The outbox row (see common/outbox.ts): one event to one webhook, the body serialised once. */
export interface DeliveryRow extends OutboxRow { event_id: string; webhook_id: string; url: string; body: string; created_at: number }

const SCHEMA = `
CREATE TABLE IF NOT EXISTS apps (client_id TEXT PRIMARY KEY, client_secret TEXT NOT NULL, webhook_id TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, client_id TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS webhooks (id TEXT PRIMARY KEY, client_id TEXT NOT NULL, url TEXT, event_types TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
  id TEXT PRIMARY KEY, client_id TEXT NOT NULL, status TEXT NOT NULL, reference_id TEXT, custom_id TEXT, invoice_id TEXT, description TEXT,
  currency TEXT NOT NULL, amount_minor INTEGER NOT NULL, return_url TEXT, cancel_url TEXT, uses_payment_source INTEGER NOT NULL,
  decline INTEGER NOT NULL DEFAULT 0, payer_id TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS captures (
  id TEXT PRIMARY KEY, order_id TEXT NOT NULL REFERENCES orders(id), client_id TEXT NOT NULL, status TEXT NOT NULL, currency TEXT NOT NULL,
  amount_minor INTEGER NOT NULL, refunded_minor INTEGER NOT NULL DEFAULT 0, custom_id TEXT, invoice_id TEXT, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS captures_order ON captures (order_id);
CREATE INDEX IF NOT EXISTS captures_created ON captures (client_id, created_at);
CREATE TABLE IF NOT EXISTS refunds (
  id TEXT PRIMARY KEY, capture_id TEXT NOT NULL REFERENCES captures(id), client_id TEXT NOT NULL, status TEXT NOT NULL, currency TEXT NOT NULL,
  amount_minor INTEGER NOT NULL, custom_id TEXT, invoice_id TEXT, note_to_payer TEXT, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS refunds_created ON refunds (client_id, created_at);
CREATE TABLE IF NOT EXISTS reversals (
  id TEXT PRIMARY KEY, capture_id TEXT NOT NULL REFERENCES captures(id), client_id TEXT NOT NULL, currency TEXT NOT NULL, amount_minor INTEGER NOT NULL,
  reason TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS disputes (
  id TEXT PRIMARY KEY, capture_id TEXT NOT NULL REFERENCES captures(id), client_id TEXT NOT NULL, status TEXT NOT NULL, outcome TEXT, reason TEXT NOT NULL,
  stage TEXT NOT NULL, currency TEXT NOT NULL, amount_minor INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS disputes_capture ON disputes (capture_id);
CREATE TABLE IF NOT EXISTS replays (client_id TEXT NOT NULL, request_id TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (client_id, request_id));
CREATE TABLE IF NOT EXISTS deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, webhook_id TEXT NOT NULL, url TEXT NOT NULL, body TEXT NOT NULL,
  ${OUTBOX_COLUMNS}, created_at INTEGER NOT NULL);
${outboxIndex('deliveries')}
`;

export class Store extends SqliteStore {
  /** The webhook outbox (common/outbox.ts sends from it). */
  readonly deliveries: OutboxTable<DeliveryRow>;

  constructor(dataDir: string | undefined) {
    super(dataDir, 'paypal-sim.sqlite', { schema: SCHEMA, foreignKeys: true });
    this.deliveries = this.outboxTable<DeliveryRow>('deliveries');
  }

  insertApp(a: AppRow): void { this.insert('apps', a); }
  getApp(clientId: string): AppRow | undefined { return this.row('SELECT * FROM apps WHERE client_id = ?', clientId); }

  insertToken(token: string, clientId: string, expiresAt: number): void { this.insert('tokens', { token, client_id: clientId, expires_at: expiresAt }); }
  tokenClient(token: string, now: number): string | undefined {
    return this.row<{ client_id: string }>('SELECT client_id FROM tokens WHERE token = ? AND expires_at > ?', token, now)?.client_id;
  }
  revokeTokens(): void { this.run('DELETE FROM tokens'); }

  upsertWebhook(w: WebhookRow): void {
    this.run('INSERT INTO webhooks (id, client_id, url, event_types, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET url = excluded.url, event_types = excluded.event_types', w.id, w.client_id, w.url, w.event_types, w.created_at);
  }
  getWebhook(id: string): WebhookRow | undefined { return this.row('SELECT * FROM webhooks WHERE id = ?', id); }
  webhooksOf(clientId: string): WebhookRow[] { return this.all('SELECT * FROM webhooks WHERE client_id = ? AND url IS NOT NULL ORDER BY created_at', clientId); }

  insertOrder(o: OrderRow): void { this.insert('orders', o); }
  getOrder(id: string): OrderRow | undefined { return this.row('SELECT * FROM orders WHERE id = ?', id); }
  updateOrder(id: string, status: OrderStatus, now: number, extra: { decline?: number; payer_id?: string } = {}): void {
    this.run('UPDATE orders SET status = ?, updated_at = ?, decline = COALESCE(?, decline), payer_id = COALESCE(?, payer_id) WHERE id = ?', status, now, extra.decline ?? null, extra.payer_id ?? null, id);
  }

  insertCapture(c: CaptureRow): void { this.insert('captures', c); }
  getCapture(id: string): CaptureRow | undefined { return this.row('SELECT * FROM captures WHERE id = ?', id); }
  capturesOf(orderId: string): CaptureRow[] { return this.all('SELECT * FROM captures WHERE order_id = ? ORDER BY created_at', orderId); }
  updateCapture(id: string, status: string, refunded: number): void { this.run('UPDATE captures SET status = ?, refunded_minor = ? WHERE id = ?', status, refunded, id); }

  insertRefund(r: RefundRow): void { this.insert('refunds', r); }
  getRefund(id: string): RefundRow | undefined { return this.row('SELECT * FROM refunds WHERE id = ?', id); }

  refundsOf(captureId: string): RefundRow[] { return this.all('SELECT * FROM refunds WHERE capture_id = ? ORDER BY created_at, rowid', captureId); }

  insertReversal(r: ReversalRow): void { this.insert('reversals', r); }
  getReversal(id: string): ReversalRow | undefined { return this.row('SELECT * FROM reversals WHERE id = ?', id); }
  reversalsOf(captureId: string): ReversalRow[] { return this.all('SELECT * FROM reversals WHERE capture_id = ? ORDER BY created_at, rowid', captureId); }

  insertDispute(d: DisputeRow): void { this.insert('disputes', d); }
  getDispute(id: string): DisputeRow | undefined { return this.row('SELECT * FROM disputes WHERE id = ?', id); }
  disputesOf(captureId: string): DisputeRow[] { return this.all('SELECT * FROM disputes WHERE capture_id = ? ORDER BY created_at, rowid', captureId); }
  disputesOfClient(clientId: string): DisputeRow[] { return this.all('SELECT * FROM disputes WHERE client_id = ? ORDER BY created_at DESC, rowid DESC', clientId); }
  updateDispute(id: string, patch: { status: string; outcome: string | null; stage: string; updated_at: number }): void {
    this.run('UPDATE disputes SET status = ?, outcome = ?, stage = ?, updated_at = ? WHERE id = ?', patch.status, patch.outcome, patch.stage, patch.updated_at, id);
  }

  capturesBetween(clientId: string, from: number, to: number): CaptureRow[] {
    return this.all('SELECT * FROM captures WHERE client_id = ? AND created_at >= ? AND created_at < ? ORDER BY created_at, id', clientId, from, to);
  }
  refundsBetween(clientId: string, from: number, to: number): RefundRow[] {
    return this.all('SELECT * FROM refunds WHERE client_id = ? AND created_at >= ? AND created_at < ? ORDER BY created_at, id', clientId, from, to);
  }

  getReplay(clientId: string, requestId: string): { status: number; body: string } | undefined {
    return this.row('SELECT status, body FROM replays WHERE client_id = ? AND request_id = ?', clientId, requestId);
  }
  putReplay(clientId: string, requestId: string, status: number, body: string): void {
    this.run('INSERT OR IGNORE INTO replays (client_id, request_id, status, body) VALUES (?, ?, ?, ?)', clientId, requestId, status, body);
  }

  deliveriesOf(eventType: string): DeliveryRow[] { return this.all("SELECT * FROM deliveries WHERE body LIKE ? ORDER BY id", `%"event_type":"${eventType}"%`); }
}
