/**
 * The reconciliation suite every provider runs (src/http/reconcile-<provider>.test.ts): a
 * real gateway on SQLite and PostgreSQL, its in-process simulator, payments paid through the
 * simulator, one injected difference of every class through the simulator's bill controls,
 * and the run through the admin API and the CLI. Polls are slowed to real time
 * (PAYGATE_TIME_SCALE=1) so that a payment whose notification was dropped stays unknown to
 * Paygate until reconciliation finds it.
 */
import { expect } from 'vitest';
import type { BillErrorCode } from '../connectors/bills.js';
import type { BillDiscrepancy, BillFault } from '../simulators/common/bill-controls.js';
import { reconcile } from '../cli/reconcile.js';
import { gatewayTarget } from '../cli/client.js';
import { ADMIN_TOKEN, waitFor, type Gateway } from './harness.js';
import type { Receiver } from './flow.js';

export interface ProviderCase {
  provider: 'alipay' | 'wechatpay' | 'unionpay' | 'paypal' | 'stripe';
  method: string;
  currency: string;
  /** Minutes east of UTC of the provider's bill day. */
  utcOffsetMinutes: number;
  /** The identity the simulator's bill controls know the account by (app_id, mchid, merId, Stripe account, PayPal client id). */
  billAccount(gw: Gateway, accountId: string): Promise<string>;
  /** Whether the provider bills several currencies (the currency discrepancy applies). */
  currencies: boolean;
  /** Each applicable fault and the code its run fails with ('empty': a clean run without rows). */
  faults: Partial<Record<BillFault, BillErrorCode | 'empty'>>;
  /**
   * Whether a dropped notification leaves a paid trade Paygate does not know (false for
   * PayPal: Paygate captures the approved order itself, so without its notification nothing
   * is captured and the bill has nothing to list).
   */
  lostNotification: boolean;
  /** Env for the gateway (e.g. a small PAYGATE_RECON_MAX_BILL_BYTES for the oversize fault). */
  env?: Record<string, string>;
}

export interface Run {
  id: string; status: string; rows_read: number; rows_matched: number; executions: number;
  differences: Record<string, number>; error: { code: string; message: string } | null;
}
export interface Diff { id: string; class: string; status: string; payment_id: string | null; reference: string | null; repair: Record<string, unknown> | null }

export const billDay = (c: ProviderCase, now = Date.now()) => new Date(now + c.utcOffsetMinutes * 60_000).toISOString().slice(0, 10);

export async function simPost(gw: Gateway, c: ProviderCase, p: string, body: unknown): Promise<void> {
  const res = await fetch(`${gw.url}/sandbox/${c.provider}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, `${p}: ${await res.clone().text()}`).toBeLessThan(300);
}

export const discrepancy = (gw: Gateway, c: ProviderCase, account: string, date: string, d: BillDiscrepancy) => simPost(gw, c, '/_bills/discrepancies', { account, date, ...d });

/** Creates a payment of the provider's method and answers its id and the reference its provider knows it by. */
export async function createPayment(gw: Gateway, c: ProviderCase, key: string, amount: number): Promise<{ id: string; reference: string }> {
  const r = await gw.api<{ id: string; attempts: Array<{ provider_reference: string }> }>(key, 'POST', '/v1/payments', {
    amount, currency: c.currency, method: c.method, merchant_order_id: `recon-${Math.random().toString(36).slice(2)}`, description: 'reconciliation test',
    return_url: 'https://shop.example/return',
  });
  expect(r.status, r.text).toBe(201);
  return { id: r.body.id, reference: r.body.attempts[0]!.provider_reference };
}

export async function payAtSimulator(gw: Gateway, paymentId: string): Promise<void> {
  const r = await gw.admin('POST', `/admin/sandbox/payments/${paymentId}/pay`, { outcome: 'success' });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

export async function paymentStatus(gw: Gateway, key: string, id: string): Promise<string> {
  return (await gw.api<{ status: string }>(key, 'GET', `/v1/payments/${id}`)).body.status;
}

export async function waitStatus(gw: Gateway, key: string, id: string, status: string): Promise<void> {
  await waitFor(async () => (await paymentStatus(gw, key, id)) === status, { what: `${id} ${status}`, timeoutMs: 20_000 });
}

/** Starts a run through the API and waits for it to finish. */
export async function runThroughApi(gw: Gateway, accountId: string, day: string): Promise<Run> {
  const started = await gw.admin<Run>('POST', '/admin/reconciliation_runs', { provider_account_id: accountId, day });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  expect(started.body.status).toBe('running');
  return waitFor(async () => {
    const r = (await gw.admin<Run>('GET', `/admin/reconciliation_runs/${started.body.id}`)).body;
    return r.status === 'running' ? undefined : r;
  }, { what: 'the run to finish', timeoutMs: 60_000 });
}

/** Runs the CLI in process against the gateway; answers its exit code and what it printed. */
export async function runThroughCli(gw: Gateway, c: ProviderCase, accountId: string, day: string, json = true): Promise<{ code: number; out: string }> {
  let out = '';
  const stream = { isTTY: false, write: (s: string) => { out += s; return true; } } as unknown as NodeJS.WriteStream;
  const t = gatewayTarget({ url: gw.url, adminToken: ADMIN_TOKEN }, {});
  const code = await reconcile(t, { provider: c.provider, date: day, account: accountId, json }, stream, 50);
  return { code, out };
}

export async function differencesOf(gw: Gateway, runId: string): Promise<Diff[]> {
  const out: Diff[] = [];
  for (let after = ''; ;) {
    const page = (await gw.admin<{ data: Diff[]; has_more: boolean }>('GET', `/admin/reconciliation_runs/${runId}/differences?limit=100${after ? `&starting_after=${after}` : ''}`)).body;
    out.push(...page.data);
    if (!page.has_more) return out;
    after = page.data[page.data.length - 1]!.id;
  }
}

/** Rows the gateway's database holds for reconciliation, to show re-runs and failures add none. */
export async function reconRowCounts(gw: Gateway): Promise<{ runs: number; differences: number; matches: number }> {
  const db = gw.rt.ctx.db;
  const count = async (t: 'reconciliation_runs' | 'reconciliation_differences' | 'reconciliation_matches') => Number((await db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { runs: await count('reconciliation_runs'), differences: await count('reconciliation_differences'), matches: await count('reconciliation_matches') };
}

/** payment.succeeded webhooks the receiver got for a payment. */
export function succeededWebhooks(receiver: Receiver, paymentId: string): number {
  return receiver.received.filter((r) => {
    const b = JSON.parse(r.body) as { type?: string; data?: { object?: { id?: string } } };
    return b.type === 'payment.succeeded' && b.data?.object?.id === paymentId;
  }).length;
}

/** Moves an attempt's recorded success to just before the end of the bill day (a payment at 23:59:30). */
export async function succeededLate(gw: Gateway, c: ProviderCase, paymentId: string, day: string): Promise<void> {
  const end = Date.parse(`${day}T00:00:00Z`) - c.utcOffsetMinutes * 60_000 + 86_400_000;
  await gw.rt.ctx.db.updateTable('attempts').set({ succeeded_at: end - 30_000 }).where('payment_id', '=', paymentId).where('status', '=', 'succeeded').execute();
}
