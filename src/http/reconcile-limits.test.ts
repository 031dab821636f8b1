/**
 * A run holds its differences until it commits them, so it stops past
 * PAYGATE_RECON_MAX_DIFFERENCES with RECON.TOO_MANY_DIFFERENCES and writes nothing, rather
 * than growing without bound on a bill that is another account's (or a ledger restored from
 * an old backup). Counted over both the bill's rows and the day's successes it did not list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedCredentials, startFlowGateway, stopFlowGateway, type FlowGateway } from '../test-support/flow.js';
import { DB_KINDS } from '../test-support/harness.js';
import { billDay, createPayment, payAtSimulator, reconRowCounts, runThroughApi, runThroughCli, simPost, waitStatus, type ProviderCase } from '../test-support/reconcile.js';

const c: ProviderCase = {
  provider: 'alipay', method: 'alipay_qr', currency: 'CNY', utcOffsetMinutes: 480, currencies: false, lostNotification: true, faults: {},
  billAccount: async (gw, id) => (await storedCredentials<{ app_id: string }>(gw, id)).app_id,
};

describe.each(DB_KINDS)('reconciliation difference limit on %s', (db) => {
  let f: FlowGateway;
  beforeAll(async () => { f = await startFlowGateway({ db, env: { PAYGATE_RECON_MAX_DIFFERENCES: '5' } }); }, 60_000);
  afterAll(async () => { await stopFlowGateway(f ?? {}); });

  it('past the limit the run fails with RECON.TOO_MANY_DIFFERENCES through the API and the CLI and writes nothing; at it, it succeeds', async () => {
    const { gw } = f;
    const account = (await gw.rt.ctx.db.selectFrom('provider_accounts').select('id').where('merchant_id', '=', f.m.id).where('provider', '=', 'alipay').executeTakeFirstOrThrow()).id;
    const billAccount = await c.billAccount(gw, account);
    const day = billDay(c);
    // Paygate's own successes the bill will not list: missing_at_provider, counted with the bill's rows.
    for (const amount of [501, 502]) {
      const p = await createPayment(gw, c, f.m.key, amount);
      await payAtSimulator(gw, p.id);
      await waitStatus(gw, f.m.key, p.id, 'succeeded');
    }
    // A synthetic bill replaces the day's ledger at the simulator: each of its trades is unknown here (missing_locally).
    await simPost(gw, c, '/_bills/synthetic', { account: billAccount, date: day, rows: 4 });
    const before = await reconRowCounts(gw);
    const failed = await runThroughApi(gw, account, day);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('RECON.TOO_MANY_DIFFERENCES');
    expect(failed.error?.message).toMatch(/more than 5 differences .*PAYGATE_RECON_MAX_DIFFERENCES.*Check the account and the day/);
    const after = await reconRowCounts(gw);
    expect(after.differences).toBe(before.differences);
    expect(after.matches).toBe(before.matches);
    const cli = await runThroughCli(gw, c, account, day, false);
    expect(cli.code).toBe(2);
    expect(cli.out).toContain('RECON.TOO_MANY_DIFFERENCES');

    // 3 unknown trades + 2 unlisted successes = 5: at the limit, the run succeeds with all of them.
    await simPost(gw, c, '/_bills/synthetic', { account: billAccount, date: day, rows: 3 });
    const ok = await runThroughApi(gw, account, day);
    expect(ok.error).toBeNull();
    expect(ok).toMatchObject({ status: 'succeeded', rows_read: 3, differences: { missing_locally: 3, missing_at_provider: 2 } });
  }, 120_000);
});
