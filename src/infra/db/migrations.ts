/**
 * One set of migrations for both dialects, written with Kysely's schema builder so the
 * same definitions run on SQLite and PostgreSQL. Never edit a shipped migration; add one.
 */
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { m0007 } from './migration-0007.js';
import { m0008 } from './migration-0008.js';
import { m0009 } from './migration-0009.js';
import { m0010 } from './migration-0010.js';
import { m0011 } from './migration-0011.js';
import { m0012 } from './migration-0012.js';

// Kysely<any> is the documented type for migrations: they run against past schemas.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

const m0001: Migration = {
  async up(db: AnyDb) {
    await db.schema.createTable('merchants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema.createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema.createIndex('api_keys_merchant').on('api_keys').column('merchant_id').execute();

    await db.schema.createTable('provider_accounts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('base_url', 'text', (c) => c.notNull())
      .addColumn('credentials_enc', 'text', (c) => c.notNull())
      .addColumn('daily_limit', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('provider_accounts_merchant').on('provider_accounts').columns(['merchant_id', 'provider']).execute();

    await db.schema.createTable('payments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
      .addColumn('merchant_order_id', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('return_url', 'text')
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('amount_refunded', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('payments_merchant_order', ['merchant_id', 'merchant_order_id'])
      .execute();
    await db.schema.createIndex('payments_merchant_id').on('payments').columns(['merchant_id', 'id']).execute();

    await db.schema.createTable('attempts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('payment_id', 'text', (c) => c.notNull().references('payments.id'))
      .addColumn('merchant_id', 'text', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('provider_account_id', 'text', (c) => c.notNull().references('provider_accounts.id'))
      .addColumn('provider_reference', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('qr_code', 'text')
      .addColumn('redirect_url', 'text')
      .addColumn('provider_transaction_id', 'text')
      .addColumn('error_code', 'text')
      .addColumn('error_message', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('attempts_account_reference', ['provider_account_id', 'provider_reference'])
      .execute();
    await db.schema.createIndex('attempts_payment').on('attempts').column('payment_id').execute();

    await db.schema.createTable('refunds')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'text', (c) => c.notNull())
      .addColumn('payment_id', 'text', (c) => c.notNull().references('payments.id'))
      .addColumn('attempt_id', 'text', (c) => c.notNull().references('attempts.id'))
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('provider_reference', 'text', (c) => c.notNull().unique())
      .addColumn('provider_refund_id', 'text')
      .addColumn('failure_reason', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('refunds_payment').on('refunds').column('payment_id').execute();
    await db.schema.createIndex('refunds_merchant_id').on('refunds').columns(['merchant_id', 'id']).execute();

    await db.schema.createTable('events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('object_id', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('events_merchant_id').on('events').columns(['merchant_id', 'id']).execute();
    // One event per (object, type): a transition can only happen once, so a second
    // insert means a race slipped through and must fail loudly.
    await db.schema.createIndex('events_object_type').on('events').columns(['object_id', 'type']).unique().execute();

    await db.schema.createTable('webhook_endpoints')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('secret_enc', 'text', (c) => c.notNull())
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('deleted_at', 'bigint')
      .execute();
    await db.schema.createIndex('webhook_endpoints_merchant').on('webhook_endpoints').column('merchant_id').execute();

    await db.schema.createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id'))
      .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id'))
      .addColumn('merchant_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('last_status_code', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('delivered_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('webhook_deliveries_event_endpoint', ['event_id', 'endpoint_id'])
      .execute();

    await db.schema.createTable('notifications')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('provider_account_id', 'text', (c) => c.notNull())
      .addColumn('notification_id', 'text')
      .addColumn('payment_id', 'text')
      .addColumn('verdict', 'text', (c) => c.notNull())
      .addColumn('error_code', 'text')
      .addColumn('raw', 'text', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('notifications_payment').on('notifications').column('payment_id').execute();

    await db.schema.createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('ref_id', 'text', (c) => c.notNull())
      .addColumn('run_at', 'bigint', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('locked_by', 'text')
      .addColumn('locked_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('jobs_kind_ref', ['kind', 'ref_id'])
      .execute();
    await db.schema.createIndex('jobs_due').on('jobs').column('run_at').execute();

    await db.schema.createTable('idempotency_keys')
      .addColumn('merchant_id', 'text', (c) => c.notNull())
      .addColumn('idem_key', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('response_status', 'integer')
      .addColumn('response_body', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['merchant_id', 'idem_key'])
      .execute();
    await db.schema.createIndex('idempotency_keys_expiry').on('idempotency_keys').column('expires_at').execute();

    await db.schema.createTable('paygate_meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
};

// The provider's own order id, kept apart from provider_transaction_id because PayPal
// addresses the order (get, capture) by one id and the money (refund) by another: the capture.
const m0002: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('attempts').addColumn('provider_order_id', 'text').execute();
  },
};

// Production mode (issue 6): routing per merchant, per-account daily volume, per-key
// priority classes and rate limits, and the record of why a payment moved between accounts.
const m0003: Migration = {
  async up(db: AnyDb) {
    // One routing document per merchant (validated JSON, see domain/routing.ts).
    await db.schema.createTable('routing_rules')
      .addColumn('merchant_id', 'text', (c) => c.primaryKey().references('merchants.id'))
      .addColumn('rules', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    // Volume reserved on an account per UTC day; the daily_limit check is a conditional
    // UPDATE on this row, so concurrent creates on several nodes cannot overshoot it.
    await db.schema.createTable('account_daily_usage')
      .addColumn('provider_account_id', 'text', (c) => c.notNull().references('provider_accounts.id'))
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('account_daily_usage_pk', ['provider_account_id', 'day'])
      .execute();
    await db.schema.alterTable('api_keys').addColumn('allowed_priorities', 'text').execute();
    await db.schema.alterTable('api_keys').addColumn('rate_limit', 'integer').execute();
    await db.schema.alterTable('payments').addColumn('payer_country', 'text').execute();
    await db.schema.alterTable('payments').addColumn('routing_log', 'text').execute();
  },
};

// Security hardening (issue 11): retention and erasure of buyer data. Raw notifications are
// purged (raw blanked, purged_at set) while the row keeps ids and verdict for the books; a
// buyer's identifiers are indexed only as keyed hashes (HMAC under a key derived from the
// master key), so an erase request can find the rows without any identifier stored in clear.
const m0004: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('notifications').addColumn('purged_at', 'bigint').execute();
    await db.schema.createIndex('notifications_received_at').on('notifications').column('received_at').execute();
    await db.schema.createTable('buyer_identifiers')
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      // The row that carried the identifier: a notification (ntf_…), or a payment (pay_…) once payments carry a customer.
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('payment_id', 'text')
      .addColumn('merchant_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('buyer_identifiers_pk', ['hash', 'source_id'])
      .execute();
    await db.schema.createIndex('buyer_identifiers_source').on('buyer_identifiers').column('source_id').execute();
    await db.schema.createIndex('buyer_identifiers_payment').on('buyer_identifiers').column('payment_id').execute();
  },
};

// Protocols, second pass (issue 12). Jobs that give up keep their row as a dead letter
// (dead_at, last_error) instead of retrying forever. Disputes and reversals are kept per
// provider dispute; refunds made outside Paygate (a provider's dashboard or portal) are
// refunds rows with origin 'provider', and one provider refund id is counted once per payment.
const m0005: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('jobs').addColumn('dead_at', 'bigint').execute();
    await db.schema.alterTable('jobs').addColumn('last_error', 'text').execute();
    await db.schema.createIndex('jobs_dead_at').on('jobs').column('dead_at').execute();
    await db.schema.alterTable('payments').addColumn('disputed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('refunds').addColumn('origin', 'text', (c) => c.notNull().defaultTo('paygate')).execute();
    await db.schema.createIndex('refunds_provider_refund_id').on('refunds').columns(['payment_id', 'provider_refund_id']).unique()
      .where('provider_refund_id', 'is not', null).execute();
    await db.schema.createTable('disputes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'text', (c) => c.notNull())
      .addColumn('payment_id', 'text', (c) => c.notNull())
      .addColumn('attempt_id', 'text', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      // Stripe dp_/du_ id, PayPal PP-D-… dispute id, or the capture id for a reversal without a dispute.
      .addColumn('provider_dispute_id', 'text', (c) => c.notNull())
      // 'dispute' (the buyer contests; may be won) or 'reversal' (the money was taken back).
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('provider_status', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('closed_at', 'bigint')
      .addUniqueConstraint('disputes_provider_id', ['provider', 'provider_dispute_id'])
      .execute();
    await db.schema.createIndex('disputes_payment').on('disputes').column('payment_id').execute();
    await db.schema.createIndex('disputes_merchant').on('disputes').columns(['merchant_id', 'id']).execute();
  },
};

// Failure reasons (issue 13): Paygate's failure code (domain/failure-codes.ts) and text on
// payments and attempts; attempts also keep the provider's own decline code.
const m0006: Migration = {
  async up(db: AnyDb) {
    for (const table of ['payments', 'attempts']) {
      await db.schema.alterTable(table).addColumn('failure_code', 'text').execute();
      await db.schema.alterTable(table).addColumn('failure_message', 'text').execute();
    }
    await db.schema.alterTable('attempts').addColumn('decline_code', 'text').execute();
  },
};

export const migrations: MigrationProvider = {
  getMigrations: async () => ({ '0001_core': m0001, '0002_attempt_provider_order_id': m0002, '0003_production_mode': m0003, '0004_security': m0004, '0005_protocols_second_pass': m0005, '0006_failure_reasons': m0006, '0007_capture_rounds': m0007, '0008_reconciliation': m0008, '0009_risk_graph': m0009, '0010_risk_config': m0010, '0011_payment_buyer': m0011, '0012_risk_decisions': m0012 }),
};
