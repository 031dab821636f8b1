// State of the Stripe simulator in its own SQLite file. Stripe objects are kept as their
// JSON representation (what the API returns), indexed by account, type and creation order,
// because the simulator mostly hands them back verbatim.
import type { OutboxRow, OutboxTable } from '../common/outbox.js';
import { OUTBOX_COLUMNS, outboxIndex, SqliteStore } from '../common/sqlite.js';

export interface AccountRow { id: string; key_hash: string; secret_key: string; webhook_secret: string; created: number }
export interface EndpointRow { id: string; account_id: string; url: string; secret: string; enabled_events: string; created: number }
export interface IdempotencyRow { fingerprint: string; status: number; body: string; created: number }
/** The outbox row (see common/outbox.ts): one event to one endpoint. */
export interface DeliveryRow extends OutboxRow { event_id: string; endpoint_id: string }
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
  id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, ${OUTBOX_COLUMNS}
);
${outboxIndex('deliveries')}
`;

export class Store extends SqliteStore {
  /** The webhook outbox (common/outbox.ts sends from it). */
  readonly deliveries: OutboxTable<DeliveryRow>;

  constructor(dataDir: string | undefined) {
    super(dataDir, 'stripe-sim.sqlite', { schema: SCHEMA });
    this.deliveries = this.outboxTable<DeliveryRow>('deliveries');
  }

  insertAccount(row: AccountRow): void {
    this.insert('accounts', row);
  }

  accountByKeyHash(hash: string): AccountRow | undefined {
    return this.row<AccountRow>('SELECT * FROM accounts WHERE key_hash = ?', hash);
  }

  account(id: string): AccountRow | undefined {
    return this.row<AccountRow>('SELECT * FROM accounts WHERE id = ?', id);
  }

  put(accountId: string, o: StripeObject): void {
    this.run(
      `INSERT INTO objects (id, account_id, type, json, created) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET json = excluded.json`,
      o.id, accountId, o.object, JSON.stringify(o), typeof o.created === 'number' ? o.created : 0,
    );
  }

  get(id: string): { accountId: string; object: StripeObject } | undefined {
    const row = this.row<{ account_id: string; json: string }>('SELECT account_id, json FROM objects WHERE id = ?', id);
    return row ? { accountId: row.account_id, object: JSON.parse(row.json) as StripeObject } : undefined;
  }

  /** Newest first, as every Stripe list is. */
  list(accountId: string, type: string): StripeObject[] {
    return this.all<{ json: string }>('SELECT json FROM objects WHERE account_id = ? AND type = ? ORDER BY seq DESC', accountId, type)
      .map((r) => JSON.parse(r.json) as StripeObject);
  }

  /** Objects of a type whose JSON mentions `needle` (a cheap pre-filter; callers check the field). */
  scan(type: string, needle: string): Array<{ accountId: string; object: StripeObject }> {
    return this.all<{ account_id: string; json: string }>('SELECT account_id, json FROM objects WHERE type = ? AND instr(json, ?) > 0 ORDER BY seq DESC', type, needle)
      .map((r) => ({ accountId: r.account_id, object: JSON.parse(r.json) as StripeObject }));
  }

  idempotency(accountId: string, key: string, since: number): IdempotencyRow | undefined {
    return this.row<IdempotencyRow>('SELECT fingerprint, status, body, created FROM idempotency WHERE account_id = ? AND key = ? AND created >= ?', accountId, key, since);
  }

  saveIdempotency(accountId: string, key: string, row: IdempotencyRow): void {
    this.run('INSERT OR REPLACE INTO idempotency (account_id, key, fingerprint, status, body, created) VALUES (?, ?, ?, ?, ?, ?)',
      accountId, key, row.fingerprint, row.status, row.body, row.created);
  }

  insertEndpoint(row: EndpointRow): void {
    this.run('INSERT OR REPLACE INTO webhook_endpoints (id, account_id, url, secret, enabled_events, created) VALUES (@id, @account_id, @url, @secret, @enabled_events, @created)', row);
  }

  endpoints(accountId: string): EndpointRow[] {
    return this.all<EndpointRow>('SELECT * FROM webhook_endpoints WHERE account_id = ? ORDER BY created DESC, id DESC', accountId);
  }

  endpoint(id: string): EndpointRow | undefined {
    return this.row<EndpointRow>('SELECT * FROM webhook_endpoints WHERE id = ?', id);
  }

  deleteEndpoint(accountId: string, id: string): boolean {
    return this.run('DELETE FROM webhook_endpoints WHERE account_id = ? AND id = ?', accountId, id).changes === 1;
  }
}
