import { sql, type Kysely, type Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists, as in migrations.ts
type AnyDb = Kysely<any>;

/**
 * Who is paying, as the merchant says (docs/risk.md): the merchant's customer (id, e-mail,
 * phone), the buyer's IP address and device. Risk rules read them; an erase of the buyer
 * clears them (app/privacy.ts). The index serves "this customer's payments" per merchant.
 */
export const m0011: Migration = {
  async up(db: AnyDb) {
    for (const column of ['customer_id', 'customer_email', 'customer_phone', 'client_ip', 'device_id']) {
      await db.schema.alterTable('payments').addColumn(column, 'text').execute();
    }
    // Partial: payments without a customer (most, until merchants send one) cost the index nothing.
    await db.schema.createIndex('payments_merchant_customer').on('payments').columns(['merchant_id', 'customer_id']).where(sql.ref('customer_id'), 'is not', null).execute();
  },
};
