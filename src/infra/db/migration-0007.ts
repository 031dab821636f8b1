import type { Kysely, Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists, as in migrations.ts
type AnyDb = Kysely<any>;

/**
 * PayPal capture rounds: after a retryable capture decline (INSTRUMENT_DECLINED) the buyer
 * approves the same order again with another funding source, and that capture must go out
 * under a PayPal-Request-Id of its own — PayPal replays the cached 422 to a repeated id.
 */
export const m0007: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('attempts').addColumn('capture_round', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('attempts').addColumn('capture_declined_round', 'integer').execute();
  },
};
