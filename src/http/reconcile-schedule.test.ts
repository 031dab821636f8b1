/**
 * The daily reconciliation sweep (app/reconciliation/daily.ts) on two nodes sharing one
 * PostgreSQL database: both sweep at once, yet each provider account gets one run of
 * yesterday's bill, executed once; a later sweep of the same day starts nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileDue } from '../app/reconciliation/daily.js';
import { createPgDatabase, sandboxMerchant, startGateway, waitFor, type Gateway } from '../test-support/harness.js';


describe('the daily reconciliation sweep on two nodes', () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  let a: Gateway;
  let b: Gateway;
  beforeAll(async () => {
    db = await createPgDatabase();
    const env = { PAYGATE_RECON_SCHEDULE: 'on', PAYGATE_RECON_DELAY_MINUTES: '30' };
    a = await startGateway({ db: 'postgres', databaseUrl: db.url, env });
    b = await startGateway({ db: 'postgres', databaseUrl: db.url, env });
    await sandboxMerchant(a);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('runs yesterday\'s bill once per account, whichever node sweeps', async () => {
    // Every provider's ready time + 30 min has passed on its own clock (10:00 and 09:00 Shanghai, 02:00 and
    // 06:00 UTC) when the UTC time of day is between 06:30 and 16:00 (midnight in Shanghai). The clock is set to
    // the latest such moment not after the real one, so yesterday is over for the simulators too.
    const real = Date.now();
    const utcMidnight = Math.floor(real / 86_400_000) * 86_400_000;
    const tod = real - utcMidnight;
    const latest = (16 * 60 - 1) * 60_000;
    const now = tod >= 6.5 * 3600_000 && tod <= latest ? real : tod > latest ? utcMidnight + latest : utcMidnight - 86_400_000 + latest;
    const [fromA, fromB] = await Promise.all([reconcileDue(a.rt.ctx, now), reconcileDue(b.rt.ctx, now)]);
    const accounts = await a.rt.ctx.db.selectFrom('provider_accounts').select(['id', 'provider']).execute();
    expect(fromA.length + fromB.length).toBe(accounts.length);
    expect(new Set([...fromA, ...fromB]).size).toBe(accounts.length);
    const runs = await waitFor(async () => {
      const rows = await a.rt.ctx.db.selectFrom('reconciliation_runs').select(['provider_account_id', 'provider', 'day', 'status', 'execution', 'trigger', 'error_code', 'error_message']).execute();
      return rows.length === accounts.length && rows.every((r) => r.status !== 'running') ? rows : undefined;
    }, { what: 'the scheduled runs', timeoutMs: 60_000 });
    expect(runs.map((r) => r.provider_account_id).sort()).toEqual(accounts.map((x) => x.id).sort());
    for (const r of runs) expect(r, `${r.provider}: ${r.error_code} ${r.error_message}`).toMatchObject({ status: 'succeeded', execution: 1, trigger: 'schedule' });
    // Yesterday, in each provider's own time zone.
    const yesterday = (offsetMin: number) => new Date(now + offsetMin * 60_000 - 86_400_000).toISOString().slice(0, 10);
    for (const r of runs) {
      const provider = accounts.find((x) => x.id === r.provider_account_id)!.provider;
      expect(r.day, provider).toBe(yesterday(['stripe', 'paypal'].includes(provider) ? 0 : 480));
    }
    // The same day swept again, on either node: nothing new.
    expect([...(await reconcileDue(a.rt.ctx, now)), ...(await reconcileDue(b.rt.ctx, now + 60_000))]).toEqual([]);
  }, 120_000);
});
