/**
 * The SQLite set-up every simulator store shares: one file per simulator in its data dir (or
 * in memory), WAL, the schema applied on open, one transaction helper and a cache of prepared
 * statements — better-sqlite3 compiles a statement on every prepare(), and the simulators run
 * the same few queries on every request and every tick.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OutboxPatch, OutboxRow, OutboxTable } from './outbox.js';

export interface StoreOptions {
  /** CREATE TABLE IF NOT EXISTS … for every table (so opening an existing file is a no-op). */
  schema: string;
  foreignKeys?: boolean;
  /** Upgrades of state files written by older versions (columns added after the fact). */
  migrate?: (columnsOf: (table: string) => ReadonlySet<string>, exec: (sql: string) => void) => void;
}

const OUTBOX_PATCH: ReadonlySet<string> = new Set(['attempts', 'next_attempt_at', 'status', 'last_error']);

export abstract class SqliteStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement<unknown[], unknown>>();

  /** `fileName` inside `dataDir`, created with its folder when missing; in memory when `dataDir` is unset. */
  protected constructor(dataDir: string | undefined, fileName: string, o: StoreOptions) {
    if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
    this.db = new Database(dataDir === undefined ? ':memory:' : join(dataDir, fileName));
    this.db.pragma('journal_mode = WAL');
    if (o.foreignKeys) this.db.pragma('foreign_keys = ON');
    this.db.exec(o.schema);
    o.migrate?.(
      (table) => new Set(this.all<{ name: string }>(`PRAGMA table_info(${table})`).map((c) => c.name)),
      (sql) => this.db.exec(sql),
    );
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }

  /**
   * A cached statement. The row type is the caller's statement of what its SELECT returns, as
   * with better-sqlite3's own prepare<P, R>() generics: SQLite does not check it either way.
   */
  private statement<R>(sql: string): Database.Statement<unknown[], R> {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare<unknown[], unknown>(sql);
      this.statements.set(sql, s);
    }
    return s as Database.Statement<unknown[], R>;
  }

  protected row<R>(sql: string, ...params: unknown[]): R | undefined {
    return this.statement<R>(sql).get(...params);
  }

  protected all<R>(sql: string, ...params: unknown[]): R[] {
    return this.statement<R>(sql).all(...params);
  }

  protected run(sql: string, ...params: unknown[]): Database.RunResult {
    return this.statement(sql).run(...params);
  }

  /** INSERT of every key of `row` (named parameters); returns the new rowid. */
  protected insert(table: string, row: object): number {
    const cols = Object.keys(row);
    return Number(this.run(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`, row).lastInsertRowid);
  }

  /** UPDATE of row `id`: the patch's keys, each of which must be in `allowed` (a typo must not write a column it names). */
  protected update(table: string, id: number | string, patch: object, allowed: ReadonlySet<string>): void {
    const cols = Object.keys(patch);
    if (cols.length === 0) return;
    for (const c of cols) if (!allowed.has(c)) throw new Error(`not an updatable column: ${c}`);
    this.run(`UPDATE ${table} SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`, { ...patch, id });
  }

  /** update(), then the row as it is now (it must exist: callers patch rows they just read). */
  protected updated<R>(table: string, id: number, patch: object, allowed: ReadonlySet<string>): R {
    this.update(table, id, patch, allowed);
    const row = this.row<R>(`SELECT * FROM ${table} WHERE id = ?`, id);
    if (!row) throw new Error(`${table} row ${id} vanished`);
    return row;
  }

  /**
   * The persisted notification outbox kept in `table` (columns id, attempts, next_attempt_at,
   * status, last_error — OUTBOX_COLUMNS — plus the provider's own; delivered_at when `deliveredAt`).
   */
  protected outboxTable<R extends OutboxRow>(table: string, o: { deliveredAt?: boolean } = {}): OutboxTable<R> {
    const allowed = o.deliveredAt ? new Set([...OUTBOX_PATCH, 'delivered_at']) : OUTBOX_PATCH;
    return {
      deliveredAt: o.deliveredAt === true,
      insert: (row) => this.insert(table, row),
      due: (now, limit) => this.all<R>(`SELECT * FROM ${table} WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`, now, limit),
      update: (id: number, patch: OutboxPatch) => this.update(table, id, patch, allowed),
    };
  }
}

/** The outbox columns every provider's outbox table has (between its own columns). */
export const OUTBOX_COLUMNS = 'attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, status TEXT NOT NULL, last_error TEXT';

/** The index the outbox's due query runs on. */
export const outboxIndex = (table: string): string => `CREATE INDEX IF NOT EXISTS ${table}_due ON ${table} (status, next_attempt_at);`;
