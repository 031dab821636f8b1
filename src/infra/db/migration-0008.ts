import { SqliteAdapter, sql, type Kysely, type Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists, as in migrations.ts
type AnyDb = Kysely<any>;

/**
 * Reconciliation (docs/reconciliation.md): one run per provider account and bill day, the
 * differences it found, and the rows it matched (which attempts a bill listed, with their
 * fees; the previous day's matches tell a late booking from a missing one). Attempts learn
 * when they succeeded and payments what the provider charged for them. The attempt indexes
 * serve the bill's batch lookups by the provider's ids and the day's successes (lookups by
 * reference use the unique (account, reference) constraint of migration 0001).
 */
export const m0008: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('attempts').addColumn('succeeded_at', 'bigint').execute();
    await sql`UPDATE attempts SET succeeded_at = updated_at WHERE status = 'succeeded'`.execute(db);
    await db.schema.createIndex('attempts_account_transaction').on('attempts').columns(['provider_account_id', 'provider_transaction_id']).execute();
    await db.schema.createIndex('attempts_account_succeeded').on('attempts').columns(['provider_account_id', 'succeeded_at']).execute();
    await db.schema.createIndex('refunds_attempt').on('refunds').column('attempt_id').execute();
    await db.schema.alterTable('payments').addColumn('fee', 'bigint').execute();
    await db.schema.alterTable('payments').addColumn('net', 'bigint').execute();

    await db.schema.createTable('reconciliation_runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'text', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('provider_account_id', 'text', (c) => c.notNull().references('provider_accounts.id'))
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('trigger', 'text', (c) => c.notNull())
      // Each execution of the run counts; matches carry the execution that wrote them.
      .addColumn('execution', 'integer', (c) => c.notNull())
      .addColumn('committed_execution', 'integer')
      .addColumn('rows_read', 'bigint', (c) => c.notNull())
      .addColumn('rows_matched', 'bigint', (c) => c.notNull())
      .addColumn('differences', 'text', (c) => c.notNull())
      .addColumn('error_code', 'text')
      .addColumn('error_message', 'text')
      .addColumn('node', 'text')
      .addColumn('heartbeat_at', 'bigint')
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    // One run per account and day: a re-run is the same run again, never a second set of rows.
    await db.schema.createIndex('reconciliation_runs_account_day').on('reconciliation_runs').columns(['provider_account_id', 'day']).unique().execute();
    await db.schema.createIndex('reconciliation_runs_created').on('reconciliation_runs').columns(['created_at', 'id']).execute();

    await db.schema.createTable('reconciliation_differences')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('run_id', 'text', (c) => c.notNull().references('reconciliation_runs.id'))
      .addColumn('class', 'text', (c) => c.notNull())
      // What the difference is about, stable across re-runs: the provider's ids, or Paygate's reference.
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('payment_id', 'text')
      .addColumn('attempt_id', 'text')
      .addColumn('refund_id', 'text')
      .addColumn('reference', 'text')
      .addColumn('provider_transaction_id', 'text')
      .addColumn('expected', 'text')
      .addColumn('actual', 'text')
      .addColumn('repair', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('reconciliation_differences_run_key').on('reconciliation_differences').columns(['run_id', 'class', 'key']).unique().execute();
    await db.schema.createIndex('reconciliation_differences_run_id').on('reconciliation_differences').columns(['run_id', 'id']).execute();

    // A bill's size in rows every day, written and read only by (run, execution, attempt): on
    // SQLite the rows live in that key's B-tree (WITHOUT ROWID) instead of a rowid table plus an
    // index, one write per row instead of two.
    const matches = db.schema.createTable('reconciliation_matches')
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('execution', 'integer', (c) => c.notNull())
      .addColumn('attempt_id', 'text', (c) => c.notNull())
      .addColumn('payment_id', 'text', (c) => c.notNull())
      .addColumn('fee', 'bigint')
      .addColumn('net', 'bigint');
    if (db.getExecutor().adapter instanceof SqliteAdapter) {
      await matches.addPrimaryKeyConstraint('reconciliation_matches_pk', ['run_id', 'execution', 'attempt_id']).modifyEnd(sql`without rowid`).execute();
    } else {
      await matches.execute();
      await db.schema.createIndex('reconciliation_matches_run').on('reconciliation_matches').columns(['run_id', 'execution', 'attempt_id']).execute();
    }
  },
};
