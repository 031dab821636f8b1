import type { Kysely, Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists, as in migrations.ts
type AnyDb = Kysely<any>;

/**
 * A merchant's risk configuration (repos/risk-config.ts). List entries are unique per
 * (merchant, list, normalised value), so importing a value again is an upsert, never a
 * second row the decision would have to reconcile. Rule sets are append-only versions: the
 * highest version is in force and the older ones stay, so "which rules decided this
 * payment" can still be answered after the merchant changed them.
 */
export const m0010: Migration = {
  async up(db: AnyDb) {
    await db.schema.createTable('risk_list_entries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
      .addColumn('list', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('risk_list_entries_value', ['merchant_id', 'list', 'value'])
      .execute();
    // The admin list pages newest first by id, over all lists or one of them.
    await db.schema.createIndex('risk_list_entries_merchant').on('risk_list_entries').columns(['merchant_id', 'id']).execute();
    await db.schema.createIndex('risk_list_entries_merchant_list').on('risk_list_entries').columns(['merchant_id', 'list', 'id']).execute();

    await db.schema.createTable('risk_rule_sets')
      .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('rules', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addPrimaryKeyConstraint('risk_rule_sets_pk', ['merchant_id', 'version'])
      .execute();
  },
};
