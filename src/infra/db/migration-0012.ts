import { sql, type Kysely, type Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists, as in migrations.ts
type AnyDb = Kysely<any>;

/**
 * Risk decisions on payments (docs/risk.md). Each new payment keeps the decision made before
 * its provider call — action, score and the why as JSON — so the API shows it and an
 * operator can still answer "which rule did this" after the rules changed. A payment held
 * for review has one row in risk_reviews (unique per payment: a review is opened once and
 * closed once). risk_profiles holds each customer's behaviour profile per currency, updated
 * as their payments succeed.
 */
export const m0012: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('payments').addColumn('risk_action', 'text').execute();
    await db.schema.alterTable('payments').addColumn('risk_score', 'integer').execute();
    await db.schema.alterTable('payments').addColumn('risk_decision', 'text').execute();
    // A customer's totals of the day or month (limits.customer_*: repos/risk-totals.ts) are a
    // range of this index by id (ids begin with their time). With (merchant_id, customer_id)
    // alone, SQLite preferred payments_merchant_id's (merchant_id, id >= since) range — every
    // payment of the merchant that day, 2.5 ms at 6,000 — over the customer's few.
    await db.schema.dropIndex('payments_merchant_customer').execute();
    await db.schema.createIndex('payments_merchant_customer').on('payments').columns(['merchant_id', 'customer_id', 'id']).where(sql.ref('customer_id'), 'is not', null).execute();

    await db.schema.createTable('risk_reviews')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
      .addColumn('payment_id', 'text', (c) => c.notNull().unique().references('payments.id'))
      // The creating key's mode: a payment in review has no attempt yet, and approval must
      // route it to accounts of that mode only (app/modes.ts).
      .addColumn('key_mode', 'text', (c) => c.notNull())
      // The account the create pinned (provider_account_id), which approval routes to as the create would have.
      .addColumn('pinned_account_id', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('closed_reason', 'text')
      .addColumn('closed_by', 'text')
      .addColumn('note', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('closed_at', 'bigint')
      .execute();
    // The queue: open reviews oldest first, over all merchants or one.
    await db.schema.createIndex('risk_reviews_status').on('risk_reviews').columns(['status', 'id']).execute();
    await db.schema.createIndex('risk_reviews_merchant_status').on('risk_reviews').columns(['merchant_id', 'status', 'id']).execute();

    await db.schema.createTable('risk_profiles')
      .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('profile', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('risk_profiles_pk', ['merchant_id', 'customer_id', 'currency'])
      .execute();
  },
};
