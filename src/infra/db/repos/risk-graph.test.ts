/** The risk link graph on SQLite and PostgreSQL: upserts, neighbour counts, hops to blocked entities. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, migratedDb } from '../../../test-support/harness.js';
import type { DbHandle } from '../index.js';
import { distinctNeighbours, hopsToAny, recordEdges, type RiskEntity } from './risk-graph.js';

const cus = (v: string): RiskEntity => ({ kind: 'customer', value: v });
const dev = (v: string): RiskEntity => ({ kind: 'device', value: v });
const ip = (v: string): RiskEntity => ({ kind: 'ip', value: v });
const email = (v: string): RiskEntity => ({ kind: 'email', value: v });
const buyer = (v: string): RiskEntity => ({ kind: 'buyer', value: v });

const HOUR = 3_600_000;
const T0 = 1_800_000_000_000;

describe.each(DB_KINDS)('risk graph on %s', (kind) => {
  let h: DbHandle;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const db = await migratedDb(kind, 'paygate-risk-graph-');
    h = db.h;
    cleanup = db.drop;
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('links every pair of a payment\'s entities both ways; recording again only moves last_seen forward', async () => {
    expect(await recordEdges(h.db, 'mch_a', [cus('c1'), dev('d1'), ip('198.51.100.1'), cus('c1')], T0)).toBe(6);
    expect(await recordEdges(h.db, 'mch_a', [cus('c1'), dev('d1')], T0 + HOUR)).toBe(2);
    expect(await recordEdges(h.db, 'mch_a', [dev('d1'), cus('c1')], T0 - HOUR)).toBe(2);
    expect(await recordEdges(h.db, 'mch_a', [cus('lonely')], T0)).toBe(0);
    const rows = await h.db.selectFrom('risk_edges').selectAll().where('merchant_id', '=', 'mch_a').orderBy('a_kind').orderBy('b_kind').execute();
    expect(rows).toHaveLength(6);
    const cd = rows.find((r) => r.a_kind === 'customer' && r.b_kind === 'device')!;
    expect(cd).toMatchObject({ a_value: 'c1', b_value: 'd1', first_seen: T0 - HOUR, last_seen: T0 + HOUR });
    expect(rows.find((r) => r.a_kind === 'device' && r.b_kind === 'ip')).toMatchObject({ first_seen: T0, last_seen: T0 });
    await expect(recordEdges(h.db, 'mch_a', [{ kind: 'phone' as never, value: 'x' }, cus('c1')], T0)).rejects.toThrow(/kind must be one of/);
  });

  it('counts the distinct customers one device paid for, within the time asked and the merchant', async () => {
    for (let i = 1; i <= 5; i++) await recordEdges(h.db, 'mch_b', [dev('shared'), cus(`c${i}`), email(`c${i}@example.com`)], T0 + i * HOUR);
    await recordEdges(h.db, 'mch_b', [dev('shared'), cus('c1')], T0 + 30 * HOUR);
    await recordEdges(h.db, 'mch_other', [dev('shared'), cus('x1')], T0 + 30 * HOUR);
    expect(await distinctNeighbours(h.db, 'mch_b', dev('shared'), 'customer', T0)).toBe(5);
    expect(await distinctNeighbours(h.db, 'mch_b', dev('shared'), 'email', T0)).toBe(5);
    // The last 24 h seen from T0 + 30 h: only c1 came back; c4 and c5 still count from T0 + 4 h.
    expect(await distinctNeighbours(h.db, 'mch_b', dev('shared'), 'customer', T0 + 6 * HOUR)).toBe(1);
    expect(await distinctNeighbours(h.db, 'mch_b', dev('shared'), 'customer', T0 + 4 * HOUR)).toBe(3);
    expect(await distinctNeighbours(h.db, 'mch_b', cus('c3'), 'device', T0)).toBe(1);
    expect(await distinctNeighbours(h.db, 'mch_b', dev('unknown'), 'customer', T0)).toBe(0);
  });

  it('finds blocked entities 0, 1 and 2 links away, and not 3', async () => {
    const m = 'mch_c';
    // Three payments, so no payment links across the chain: d_bad – c2 – ip2 – c6.
    await recordEdges(h.db, m, [cus('c2'), dev('d_bad')], T0);
    await recordEdges(h.db, m, [cus('c2'), ip('ip2')], T0 + 1);
    await recordEdges(h.db, m, [cus('c6'), ip('ip2'), buyer('alipay:2088001')], T0 + 2);
    const blocked = [dev('d_bad'), email('fraud@example.com')];
    expect(await hopsToAny(h.db, m, [dev('d_bad'), cus('new')], blocked)).toBe(0);
    expect(await hopsToAny(h.db, m, [cus('c2')], blocked)).toBe(1);
    // A payment from ip2: ip2 – c2 – d_bad.
    expect(await hopsToAny(h.db, m, [ip('ip2'), cus('brand_new')], blocked)).toBe(2);
    // c6 – ip2 – c2 – d_bad: three links.
    expect(await hopsToAny(h.db, m, [cus('c6')], blocked)).toBeNull();
    expect(await hopsToAny(h.db, m, [buyer('alipay:2088001')], blocked)).toBeNull();
    // Same links at another merchant: nothing.
    expect(await hopsToAny(h.db, 'mch_other', [cus('c2')], blocked)).toBeNull();
    // maxHops cuts the search; empty sets answer null without a query.
    expect(await hopsToAny(h.db, m, [ip('ip2')], blocked, 1)).toBeNull();
    expect(await hopsToAny(h.db, m, [cus('c2')], blocked, 0)).toBeNull();
    expect(await hopsToAny(h.db, m, [], blocked)).toBeNull();
    expect(await hopsToAny(h.db, m, [cus('c2')], [])).toBeNull();
  });

  it('finds a customer two links from a blocked device through a shared email', async () => {
    const m = 'mch_d';
    await recordEdges(h.db, m, [cus('mule'), dev('d_blocked')], T0);
    await recordEdges(h.db, m, [cus('mule'), email('mule@example.com')], T0 + 1);
    // A new customer whose payment shares the mule's email.
    expect(await hopsToAny(h.db, m, [cus('newbie'), email('mule@example.com')], [dev('d_blocked')])).toBe(2);
    // Recorded, the newbie alone is three links away (newbie – email – mule – device): not caught.
    await recordEdges(h.db, m, [cus('newbie'), email('mule@example.com')], T0 + 2);
    expect(await hopsToAny(h.db, m, [cus('newbie')], [dev('d_blocked')])).toBeNull();
  });

  it('upserts the same links concurrently without losing a write or deadlocking', async () => {
    const m = 'mch_e';
    const sets = Array.from({ length: 20 }, (_, i) => (i % 2 ? [cus('a'), dev('b'), ip('c'), email('d')] : [email('d'), ip('c'), dev('b'), cus('a')]));
    await Promise.all(sets.map((s, i) => recordEdges(h.db, m, s, T0 + i)));
    const rows = await h.db.selectFrom('risk_edges').select(['first_seen', 'last_seen']).where('merchant_id', '=', m).execute();
    expect(rows).toHaveLength(12);
    expect(rows.every((r) => r.first_seen === T0 && r.last_seen === T0 + 19)).toBe(true);
  });
});
