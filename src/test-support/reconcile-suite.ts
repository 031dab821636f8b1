/**
 * The scenarios of src/http/reconcile-<provider>.test.ts, the same for every provider (see
 * reconcile.ts for the helpers): a day with one difference of every class, a re-run of it,
 * every bad bill the provider can produce through the API and the CLI, and a day with no bill.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, type DbKind } from './harness.js';
import { startFlowGateway, stopFlowGateway, type FlowGateway } from './flow.js';
import { sandboxMerchant } from './harness.js';
import {
  billDay, createPayment, differencesOf, discrepancy, payAtSimulator, paymentStatus, reconRowCounts, runThroughApi, runThroughCli, simPost,
  succeededLate, succeededWebhooks, waitStatus, type Diff, type ProviderCase, type Run,
} from './reconcile.js';

async function accountOf(f: FlowGateway, merchantId: string, provider: string): Promise<string> {
  return (await f.gw.rt.ctx.db.selectFrom('provider_accounts').select('id').where('merchant_id', '=', merchantId).where('provider', '=', provider).executeTakeFirstOrThrow()).id;
}

export function reconciliationSuite(c: ProviderCase): void {
  describe.each(DB_KINDS)(`${c.provider} reconciliation on %s`, (db: DbKind) => {
    let f: FlowGateway;
    let accountId: string;
    let billAccount: string;
    let day: string;
    beforeAll(async () => {
      f = await startFlowGateway({ db, env: { PAYGATE_TIME_SCALE: '1', ...c.env } });
      accountId = await accountOf(f, f.m.id, c.provider);
      billAccount = await c.billAccount(f.gw, accountId);
      day = billDay(c);
    }, 60_000);
    afterAll(async () => { await stopFlowGateway(f ?? {}); });

    it('a day with one difference of every class: exactly those, repaired where Paygate can, the same on a re-run', async () => {
      const { gw, m, receiver } = f;
      const paid = async (amount: number) => {
        const p = await createPayment(gw, c, m.key, amount);
        await payAtSimulator(gw, p.id);
        await waitStatus(gw, m.key, p.id, 'succeeded');
        return p;
      };
      const ok = await paid(1001);
      const amount = await paid(1002);
      const status = await paid(1003);
      const dropped = await paid(1004);
      const refunded = await paid(1005);
      const late = await paid(1006);
      const currency = c.currencies ? await paid(1007) : undefined;
      // The buyer pays, the notification is lost: Paygate still shows requires_action.
      let lost: { id: string } | undefined;
      if (c.lostNotification) {
        await simPost(gw, c, '/_faults', { drop_notifications: true });
        lost = await createPayment(gw, c, m.key, 1008);
        await payAtSimulator(gw, lost.id);
        await simPost(gw, c, '/_faults', { drop_notifications: false });
        expect(await paymentStatus(gw, m.key, lost.id)).not.toBe('succeeded');
      }

      await discrepancy(gw, c, billAccount, day, { kind: 'amount', reference: amount.reference, amount: 999 });
      await discrepancy(gw, c, billAccount, day, { kind: 'status', reference: status.reference });
      await discrepancy(gw, c, billAccount, day, { kind: 'drop_trade', reference: dropped.reference });
      await discrepancy(gw, c, billAccount, day, { kind: 'refund', reference: refunded.reference, amount: 300 });
      await discrepancy(gw, c, billAccount, day, { kind: 'next_day', reference: late.reference });
      await discrepancy(gw, c, billAccount, day, { kind: 'unknown_trade', amount: 4242 });
      if (currency) await discrepancy(gw, c, billAccount, day, { kind: 'currency', reference: currency.reference, currency: c.currency === 'USD' ? 'EUR' : 'USD' });
      await succeededLate(gw, c, late.id, day);

      const run = await runThroughApi(gw, accountId, day);
      expect(run.error).toBeNull();
      expect(run.status).toBe('succeeded');
      const expected: Record<string, number> = { missing_locally: lost ? 2 : 1, amount_mismatch: 1, status_mismatch: 1, missing_at_provider: 1, refund_mismatch: 1, timing: 1, ...(currency ? { currency_mismatch: 1 } : {}) };
      expect(run.differences).toEqual(expected);
      const diffs = await differencesOf(gw, run.id);
      const byPayment = (id: string) => diffs.filter((d) => d.payment_id === id).map((d) => d.class);
      expect(byPayment(ok.id)).toEqual([]);
      expect(byPayment(amount.id)).toEqual(['amount_mismatch']);
      expect(byPayment(status.id)).toEqual(['status_mismatch']);
      expect(byPayment(dropped.id)).toEqual(['missing_at_provider']);
      expect(byPayment(refunded.id)).toEqual(['refund_mismatch']);
      expect(byPayment(late.id)).toEqual(['timing']);
      if (currency) expect(byPayment(currency.id)).toEqual(['currency_mismatch']);
      const unknown = diffs.filter((d) => d.class === 'missing_locally' && d.payment_id === null);
      expect(unknown).toHaveLength(1);
      expect(unknown[0]!.status).toBe('reported');

      // The lost notification is repaired through the normal path: succeeded, one event, one webhook.
      if (lost) {
        expect(byPayment(lost.id)).toEqual(['missing_locally']);
        const repaired = diffs.find((d) => d.payment_id === lost.id)!;
        expect(repaired.status).toBe('repaired');
        expect(repaired.repair).toMatchObject({ action: 'queried', outcome: 'settled', to: 'succeeded' });
        expect(await paymentStatus(gw, m.key, lost.id)).toBe('succeeded');
        const events = (await gw.api<{ data: Array<{ type: string; data: { object: { id: string } } }> }>(m.key, 'GET', '/v1/events?limit=100')).body.data;
        expect(events.filter((e) => e.type === 'payment.succeeded' && e.data.object.id === lost.id)).toHaveLength(1);
        await new Promise((r) => setTimeout(r, 500));
        expect(succeededWebhooks(receiver, lost.id)).toBe(1);
      }

      // Fees from the bill reach the matched payment.
      const okApi = (await gw.api<{ fee: number | null; net: number | null; amount: number }>(m.key, 'GET', `/v1/payments/${ok.id}`)).body;
      if (okApi.fee !== null) expect(okApi.net).toBe(okApi.amount - okApi.fee);

      // The same day again: the same differences (same ids, same classes), no new rows.
      const rows = await reconRowCounts(gw);
      const again = await runThroughApi(gw, accountId, day);
      expect(again.id).toBe(run.id);
      expect(again.executions).toBe(run.executions + 1);
      expect(again.differences).toEqual(expected);
      const diffsAgain = await differencesOf(gw, run.id);
      expect(diffsAgain.map((d: Diff) => [d.id, d.class])).toEqual(diffs.map((d: Diff) => [d.id, d.class]));
      expect(await reconRowCounts(gw)).toEqual(rows);
      if (lost) expect(succeededWebhooks(receiver, lost.id)).toBe(1);

      // The CLI reads the same run: exit 1 (differences found) and the run as JSON.
      const cli = await runThroughCli(gw, c, accountId, day);
      expect(cli.code).toBe(1);
      expect(JSON.parse(cli.out)).toMatchObject({ id: run.id, status: 'succeeded', differences: expected });
      const csv = await fetch(`${gw.url}/admin/reconciliation_runs/${run.id}/differences`, { headers: { authorization: `Bearer ${gw.env.PAYGATE_ADMIN_TOKEN}`, accept: 'text/csv' } });
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      expect((await csv.text()).trim().split('\r\n')).toHaveLength(diffs.length + 1);
    }, 120_000);

    it('every bad bill fails the run with its code through the API and the CLI, and writes nothing', async () => {
      const { gw } = f;
      // A merchant of its own with one paid payment, so each broken bill has a row to break.
      const m2 = await sandboxMerchant(gw);
      const acc2 = await accountOf(f, m2.id, c.provider);
      const bill2 = await c.billAccount(gw, acc2);
      const p = await createPayment(gw, c, m2.key, 2001);
      await payAtSimulator(gw, p.id);
      await waitStatus(gw, m2.key, p.id, 'succeeded');
      for (const [fault, code] of Object.entries(c.faults)) {
        await simPost(gw, c, '/_bills/reset', {});
        await simPost(gw, c, '/_bills/faults', { account: bill2, date: day, fault });
        const before = await reconRowCounts(gw);
        const run: Run = await runThroughApi(gw, acc2, day);
        if (code === 'empty') {
          // No bill is a clean run without rows, not an error: the day's success is then not listed.
          expect(run, fault).toMatchObject({ status: 'succeeded', rows_read: 0, error: null, differences: { missing_at_provider: 1 } });
          expect((await runThroughCli(gw, c, acc2, day)).code, fault).toBe(1);
          continue;
        }
        expect(run.status, fault).toBe('failed');
        expect(run.error?.code, `${fault}: ${run.error?.message}`).toBe(code);
        expect(run.error?.message.length, fault).toBeGreaterThan(10);
        const after = await reconRowCounts(gw);
        expect(after.differences, fault).toBe(before.differences);
        expect(after.matches, fault).toBe(before.matches);
        const cli = await runThroughCli(gw, c, acc2, day, false);
        expect(cli.code, fault).toBe(2);
        expect(cli.out, fault).toContain(code);
      }
      await simPost(gw, c, '/_bills/reset', {});
    }, 180_000);
  });
}
