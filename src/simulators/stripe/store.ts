// State of the Stripe simulator in its own SQLite file. Stripe objects are kept as their
// JSON representation (what the API returns), indexed by account, type and creation order,
// because the simulator mostly hands them back verbatim.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface AccountRow { id: string; key_hash: string; secret_key: string; webhook_secret: string; created: number }
export interface EndpointRow { id: string; account_id: string; url: string; secret: string; enabled_events: string; created: number }
export interface IdempotencyRow { fingerprint: string; status: number; body: string; created: number }
export interface DeliveryRow {
  id: number; event_id: string; endpoint_id: string; attempts: number; next_attempt_at: number;
  status: 'pending' | 'delivered' | 'failed' | 'dropped'; last_error: string | null;
}
export type StripeObject = Record<string, unknown> & { id: string; object: string };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, secret_key TEXT NOT NULL, webhook_secret TEXT NOT NULL, created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL, type TEXT NOT NULL,
  json TEXT NOT NULL, created INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS objects_by_type ON objects (account_id, type, seq);
CREATE TABLE IF NOT EXISTS idempotency (
  account_id TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,
  created INTEGER NOT NULL, PRIMARY KEY (account_id, key)
);
CREATE TABLE IF NOT EXISTS webhook_endpoints (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, url TEXT NOT NULL, secret TEXT NOT NULL, enabled_events TEXT NOT NULL, created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL, status TEXT NOT NULL, last_error TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
`;

export class Store {
  private readonly db: Database.Database;

  constructor(dataDir: string | undefined) {
    if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
    this.db = new Database(dataDir === undefined ? ':memory:' : join(dataDir, 'stripe-sim.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    this.db.close();
  }

  insertAccount(row: AccountRow): void {
    this.db.prepare('INSERT INTO accounts (id, key_hash, secret_key, webhook_secret, created) VALUES (@id, @key_hash, @secret_key, @webhook_secret, @created)').run(row);
  }

  accountByKeyHash(hash: string): AccountRow | undefined {
    return this.db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE key_hash = ?').get(hash);
  }

  account(id: string): AccountRow | undefined {
    return this.db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE id = ?').get(id);
  }

  put(accountId: string, o: StripeObject): void {
    this.db.prepare(
      `INSERT INTO objects (id, account_id, type, json, created) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET json = excluded.json`,
    ).run(o.id, accountId, o.object, JSON.stringify(o), typeof o.created === 'number' ? o.created : 0);
  }

  get(id: string): { accountId: string; object: StripeObject } | undefined {
    const row = this.db.prepare<[string], { account_id: string; json: string }>('SELECT account_id, json FROM objects WHERE id = ?').get(id);
    return row ? { accountId: row.account_id, object: JSON.parse(row.json) as StripeObject } : undefined;
  }

  /** Newest first, as every Stripe list is. */
  list(accountId: string, type: string): StripeObject[] {
    return this.db.prepare<[string, string], { json: string }>('SELECT json FROM objects WHERE account_id = ? AND type = ? ORDER BY seq DESC').all(accountId, type)
      .map((r) => JSON.parse(r.json) as StripeObject);
  }

  /** Objects of a type whose JSON mentions `needle` (a cheap pre-filter; callers check the field). */
  scan(type: string, needle: string): Array<{ accountId: string; object: StripeObject }> {
    return this.db.prepare<[string, string], { account_id: string; json: string }>("SELECT account_id, json FROM objects WHERE type = ? AND instr(json, ?) > 0 ORDER BY seq DESC")
      .all(type, needle).map((r) => ({ accountId: r.account_id, object: JSON.parse(r.json) as StripeObject }));
  }

  idempotency(accountId: string, key: string, since: number): IdempotencyRow | undefined {
    return this.db.prepare<[string, string, number], IdempotencyRow>('SELECT fingerprint, status, body, created FROM idempotency WHERE account_id = ? AND key = ? AND created >= ?').get(accountId, key, since);
  }

  saveIdempotency(accountId: string, key: string, row: IdempotencyRow): void {
    this.db.prepare('INSERT OR REPLACE INTO idempotency (account_id, key, fingerprint, status, body, created) VALUES (?, ?, ?, ?, ?, ?)')
      .run(accountId, key, row.fingerprint, row.status, row.body, row.created);
  }

  insertEndpoint(row: EndpointRow): void {
    this.db.prepare('INSERT OR REPLACE INTO webhook_endpoints (id, account_id, url, secret, enabled_events, created) VALUES (@id, @account_id, @url, @secret, @enabled_events, @created)').run(row);
  }

  endpoints(accountId: string): EndpointRow[] {
    return this.db.prepare<[string], EndpointRow>('SELECT * FROM webhook_endpoints WHERE account_id = ? ORDER BY created DESC, id DESC').all(accountId);
  }

  endpoint(id: string): EndpointRow | undefined {
    return this.db.prepare<[string], EndpointRow>('SELECT * FROM webhook_endpoints WHERE id = ?').get(id);
  }

  deleteEndpoint(accountId: string, id: string): boolean {
    return this.db.prepare('DELETE FROM webhook_endpoints WHERE account_id = ? AND id = ?').run(accountId, id).changes === 1;
  }

  insertDelivery(eventId: string, endpointId: string, at: number): void {
    this.db.prepare("INSERT INTO deliveries (event_id, endpoint_id, attempts, next_attempt_at, status) VALUES (?, ?, 0, ?, 'pending')").run(eventId, endpointId, at);
  }

  dueDeliveries(now: number, limit: number): DeliveryRow[] {
    return this.db.prepare<[number, number], DeliveryRow>("SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?").all(now, limit);
  }

  updateDelivery(id: number, patch: Partial<Pick<DeliveryRow, 'attempts' | 'next_attempt_at' | 'status' | 'last_error'>>): void {
    const cols = Object.keys(patch);
    if (cols.length === 0) return;
    for (const c of cols) if (!['attempts', 'next_attempt_at', 'status', 'last_error'].includes(c)) throw new Error(`not an updatable column: ${c}`);
    this.db.prepare(`UPDATE deliveries SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`).run({ ...patch, id });
  }

  deliveriesFor(eventId: string): DeliveryRow[] {
    return this.db.prepare<[string], DeliveryRow>('SELECT * FROM deliveries WHERE event_id = ? ORDER BY id').all(eventId);
  }
}
