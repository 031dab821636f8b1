/**
 * One query layer (Kysely) over two dialects: SQLite (embedded default) and PostgreSQL.
 * Dialect differences the rest of the code must know about are exposed as flags here
 * (row locks, SKIP LOCKED), never sniffed elsewhere.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import { migrations } from './migrations.js';

// int8 (bigint) columns hold epoch ms and minor-unit amounts, all well inside 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
export type DbOrTx = Db | Tx;

export interface DbHandle {
  db: Db;
  dialect: 'sqlite' | 'postgres';
  /** PostgreSQL can lock rows; SQLite serialises writers on its single connection instead. */
  supportsRowLocks: boolean;
  /** The PostgreSQL pool, for the few things Kysely does not cover (NOTIFY). */
  pgPool?: pg.Pool;
  /**
   * SQLite only: runs a read and answers its rows as arrays (columns in select order), on
   * statements prepared once. Kysely builds an object per row; for the million-row reads of
   * a reconciliation that was a third of the lookups' time. Holds Kysely's connection while
   * it reads, so it never runs inside another caller's open transaction — and so must not be
   * called from inside one (it would wait for the connection that transaction holds).
   */
  sqliteRawAll?: (db: Db, text: string, parameters: readonly unknown[]) => Promise<unknown[][]>;
  destroy(): Promise<void>;
}

export interface DbOptions {
  databaseUrl?: string;
  dataDir: string;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
}

export function openDb(opts: DbOptions): DbHandle {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 20, connectionTimeoutMillis: 5_000 });
    // A dropped connection while idle must not crash the process; queries will fail and retry.
    pool.on('error', () => undefined);
    // The pool only listens for errors on idle clients. A server shutdown also hits clients
    // checked out between two queries, and an 'error' event without a listener kills the
    // process. The query in flight fails on its own; the dead client is not queryable any
    // more, so the pool discards it on release.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', supportsRowLocks: true, pgPool: pool, destroy: () => db.destroy() };
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const file = path.join(opts.dataDir, 'paygate.sqlite');
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // 64 MiB of page cache (the default is 2 MiB): index probes of a day's bill against a
  // ledger of millions of rows stay in memory instead of going back to the OS per page.
  database.pragma('cache_size = -65536');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  const raw = withStatementCache(database, 64);
  const sqliteRawAll = (on: Db, text: string, parameters: readonly unknown[]) => on.connection().execute(async () => {
    const stmt = raw.prepare(text);
    if (!stmt.reader) throw new Error('sqliteRawAll runs reads only');
    return stmt.raw(true).all(parameters) as unknown[][];
  });
  return { db, dialect: 'sqlite', supportsRowLocks: false, sqliteRawAll, destroy: () => db.destroy() };
}

/**
 * Kysely's SQLite driver prepares every statement anew; preparing is a measurable share of
 * a request (profiled in the bench). The gateway issues a small, fixed set of SQL texts, so
 * a bounded cache of prepared statements is safe: the one connection runs one statement at
 * a time, and schema changes (migrations) happen before traffic.
 */
function withStatementCache(database: SQLite.Database, max = 512) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string): SQLite.Statement {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = database.prepare(text);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(text, stmt);
      }
      return stmt;
    },
  };
}

export async function migrate(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrations });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export async function pendingMigrations(db: Db): Promise<number> {
  const migrator = new Migrator({ db, provider: migrations });
  const list = await migrator.getMigrations();
  return list.filter((m) => m.executedAt === undefined).length;
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}

/** True for a unique-constraint violation on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * SQLSTATEs and socket errors that mean "the database is unreachable right now": class 08
 * (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now:
 * starting up or shutting down), 53300 (too many connections), and the network errors of a
 * server that is gone or restarting.
 */
const UNREACHABLE_CODES = new Set([
  '08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', '53300',
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
]);
// pg's own wording for a connection that died under a query or is no longer usable.
const UNREACHABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|is not queryable|terminating connection due to administrator command/i;

/** True for errors that mean "the database is unreachable right now", also when wrapped (cause, AggregateError). */
export function isConnectionError(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 3) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) return true;
  if (typeof e.message === 'string' && UNREACHABLE_MESSAGE.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isConnectionError(x, depth + 1))) return true;
  return isConnectionError(e.cause, depth + 1);
}
