/**
 * Matched rows are a bill's size every day: a run keeps those of the last
 * PAYGATE_RECON_MATCH_RETENTION_DAYS days of its account (the next day's run reads the
 * previous day's) and deletes older ones, never another account's nor a run still writing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedCredentials, startFlowGateway, stopFlowGateway, type FlowGateway } from '../test-support/flow.js';
import { DB_KINDS, sandboxMerchant } from '../test-support/harness.js';
import { billDay, createPayment, payAtSimulator, runThroughApi, waitStatus, type ProviderCase } from '../test-support/reconcile.js';

const c: ProviderCase = {
  provider: 'alipay', method: 'alipay_qr', currency: 'CNY', utcOffsetMinutes: 480, currencies: false, lostNotification: true, faults: {},
  billAccount: async (gw, id) => (await storedCredentials<{ app_id: string }>(gw, id)).app_id,
};
const daysBefore = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

describe.each(DB_KINDS)('reconciliation match retention on %s', (db) => {
  let f: FlowGateway;
  beforeAll(async () => { f = await startFlowGateway({ db, env: { PAYGATE_RECON_MATCH_RETENTION_DAYS: '3' } }); }, 60_000);
  afterAll(async () => { await stopFlowGateway(f ?? {}); });

  it("a run deletes its account's matched rows older than the retention, and only those", async () => {
    const { gw, m } = f;
    const accountOf = async (merchantId: string) => (await gw.rt.ctx.db.selectFrom('provider_accounts').select('id').where('merchant_id', '=', merchantId).where('provider', '=', 'alipay').executeTakeFirstOrThrow()).id;
    const account = await accountOf(m.id);
    const other = await accountOf((await sandboxMerchant(gw)).id);
    const day = billDay(c);
    // Runs of earlier days (days without a bill: clean, empty), each given a matched row as a run with trades would have.
    const runs = new Map<string, string>();
    for (const [acc, back] of [[account, 2], [account, 3], [account, 8], [account, 9], [other, 9]] as const) {
      const r = await runThroughApi(gw, acc, daysBefore(day, back));
      expect(r.status).toBe('succeeded');
      runs.set(`${acc} ${back}`, r.id);
      await gw.rt.ctx.db.insertInto('reconciliation_matches').values({ run_id: r.id, execution: 1, attempt_id: `att_${back}`, payment_id: `pay_${back}`, fee: null, net: null }).execute();
    }
    // An operator's re-run of an old day, still writing its matches: the purge leaves it alone.
    await gw.rt.ctx.db.updateTable('reconciliation_runs').set({ status: 'running', heartbeat_at: Date.now() }).where('id', '=', runs.get(`${account} 8`)!).execute();
    const p = await createPayment(gw, c, m.key, 1234);
    await payAtSimulator(gw, p.id);
    await waitStatus(gw, m.key, p.id, 'succeeded');

    const run = await runThroughApi(gw, account, day);
    expect(run).toMatchObject({ status: 'succeeded', rows_matched: 1 });
    const left = await gw.rt.ctx.db.selectFrom('reconciliation_matches').select(['run_id', 'attempt_id']).execute();
    const runOf = (id: string) => [...runs].find(([, v]) => v === id)?.[0] ?? (id === run.id ? 'today' : id);
    // Retention 3: today and the two days before stay; day-3 and day-9 of this account go; the running day-8 and the other account's stay.
    expect(left.map((r) => runOf(r.run_id)).sort()).toEqual([`${account} 2`, `${account} 8`, `${other} 9`, 'today'].sort());
  }, 120_000);
});
