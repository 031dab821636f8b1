import type { Kysely, Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists, as in migrations.ts
type AnyDb = Kysely<any>;

/**
 * Risk control's link graph (repos/risk-graph.ts): which customers, devices, IPs, emails and
 * provider buyer identities appeared together in a merchant's payments. Every link is kept
 * in both directions, so "the neighbours of X" is one range of the primary key whichever
 * side X was on. The primary key makes recording a link again an upsert (last_seen moves);
 * the second index answers "how many customers did this device pay for since T" from the
 * index alone, without visiting a row per neighbour.
 */
export const m0009: Migration = {
  async up(db: AnyDb) {
    await db.schema.createTable('risk_edges')
      .addColumn('merchant_id', 'text', (c) => c.notNull())
      .addColumn('a_kind', 'text', (c) => c.notNull())
      .addColumn('a_value', 'text', (c) => c.notNull())
      .addColumn('b_kind', 'text', (c) => c.notNull())
      .addColumn('b_value', 'text', (c) => c.notNull())
      .addColumn('first_seen', 'bigint', (c) => c.notNull())
      .addColumn('last_seen', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('risk_edges_pk', ['merchant_id', 'a_kind', 'a_value', 'b_kind', 'b_value'])
      .execute();
    await db.schema.createIndex('risk_edges_recent').on('risk_edges').columns(['merchant_id', 'a_kind', 'a_value', 'b_kind', 'last_seen']).execute();
  },
};
