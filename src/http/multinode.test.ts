/**
 * (dist/ is built by the vitest global setup.)
 * Three gateway nodes — separate `paygate start` processes — on one PostgreSQL database and
 * one Redis, behind a front proxy that is also the address the provider notifies. The proxy
 * sends every provider notification to two different nodes at once, so each one is handled
 * twice, concurrently. Mid-run one node is SIGKILLed and restarted. Every paid payment must
 * end `succeeded` with exactly one event, every event must reach the merchant with one id and
 * one body, and no job may be left behind by the dead node.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startAlipaySimulator } from '../simulators/alipay/index.js';
import { TEST_REDIS_URL, uniquePrefix } from '../test-support/redis.js';
import { ADMIN_TOKEN, createPgDatabase, startReceiver, waitFor } from '../test-support/harness.js';
import { freePort, startFrontProxy, startNodes, type FrontProxy, type GatewayNode } from '../test-support/cluster.js';

const ORDERS = 2000;
const CONCURRENCY = 30;
/** A due job may wait this long at most: the 20 s lease of a dead node's job (3 × 5 s + 5 s) plus slack. */
const DUE_BOUND_MS = 30_000;

function histogram(items: string[]): string {
  const counts = new Map<string, number>();
  for (const s of items) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ×${n}`).join(', ') || 'none';
}

interface Created { id: string; status: number; tries: number; next_action: { qr_code: string } | null }

describe('three nodes on PostgreSQL + Redis', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-multinode-'));
  let sim: Awaited<ReturnType<typeof startAlipaySimulator>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let proxy: FrontProxy;
  let nodes: GatewayNode[] = [];
  let db: { url: string; drop(): Promise<void> } | undefined;
  let sql: pg.Pool;

  beforeAll(async () => {
    db = await createPgDatabase();
    sql = new pg.Pool({ connectionString: db.url, max: 2 });
    // Real-time notification retries would outlast the test; the gateway's own clock is scaled below.
    sim = await startAlipaySimulator({ port: 0, dataDir: path.join(dir, 'sim'), timeScale: 0.001 });
    receiver = await startReceiver();
    const ports = [await freePort(), await freePort(), await freePort()];
    proxy = await startFrontProxy(ports.map((p) => `http://127.0.0.1:${p}`));
    nodes = await startNodes(3, {
      DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, PAYGATE_REDIS_PREFIX: uniquePrefix(),
      PAYGATE_MASTER_KEY: crypto.randomBytes(32).toString('base64'), PAYGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      PAYGATE_SIMULATORS: 'false', PAYGATE_PUBLIC_URL: proxy.url, LOG_LEVEL: 'error',
      // Polls at 3 s, 9 s, 24 s … (webhook retries after 3 s): the open third of the orders
      // keeps poll jobs moving between nodes through the kill, without a polling storm that
      // starves the creates (0.01 made the run ~40 % slower on 2 cores).
      PAYGATE_TIME_SCALE: '0.05', PAYGATE_JOB_POLL_MS: '50',
      // Three nodes share the test server's 100 connections with the test files running beside this one.
      PAYGATE_DB_POOL_SIZE: '10',
      // The simulator shares the test process with the proxy and the client; on a busy CI
      // machine 3 s answers happen, and timeouts would open breakers and slow the run.
      PAYGATE_PROVIDER_TIMEOUT_MS: '5000', PAYGATE_WEBHOOK_TIMEOUT_MS: '2000',
    }, ports);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.dispose()));
    await proxy?.close();
    await receiver?.close();
    await sim?.close();
    await sql?.end();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('settles every paid payment once and delivers every event while nodes race and one dies', { timeout: 300_000 }, async () => {
    onTestFailed(() => {
      for (const n of nodes) console.error(`--- node ${n.index} output (tail) ---\n${n.logTail()}`);
    });
    const t0 = Date.now();
    const json = { 'content-type': 'application/json' };
    const admin = async (p: string, body: unknown) => {
      const r = await fetch(nodes[0]!.url + p, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...json }, body: JSON.stringify(body) });
      expect(r.status, `${p}: ${await r.clone().text()}`).toBe(201);
      return (await r.json()) as Record<string, string>;
    };
    const merchant = await admin('/admin/merchants', { name: 'Multinode Shop' });
    const key = { authorization: `Bearer ${merchant.secret_key}` };
    await admin(`/admin/merchants/${merchant.id}/provider_accounts`, { provider: 'alipay', mode: 'sandbox', base_url: `${sim.url}/sandbox/alipay`, credentials: sim.sim.registerApp() });
    const ep = await fetch(`${nodes[1]!.url}/v1/webhook_endpoints`, { method: 'POST', headers: { ...key, ...json }, body: JSON.stringify({ url: receiver.url, events: ['*'] }) });
    expect(ep.status).toBe(201);

    const created = new Map<number, Created>();
    const paid = new Set<string>();
    const unpaid = new Set<string>();
    const retryAnswers: string[] = [];
    let networkErrors = 0;
    // A merchant's client: on a network error, 5xx or 429, the same merchant_order_id again on
    // the next node. The retry must find the payment the first try made, never a second one.
    const create = async (i: number): Promise<Created> => {
      let node = i % nodes.length;
      for (let tries = 1; ; tries++) {
        try {
          const r = await fetch(`${nodes[node]!.url}/v1/payments`, { method: 'POST', headers: { ...key, ...json }, body: JSON.stringify({ amount: 100 + i, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `MN-${i}` }) });
          if (r.status === 200 || r.status === 201) return { ...((await r.json()) as Omit<Created, 'status' | 'tries'>), status: r.status, tries };
          const text = await r.text();
          if (r.status < 500 && r.status !== 429) throw new Error(`create MN-${i} on node ${node}: ${r.status} ${text}`);
          retryAnswers.push(`${r.status} ${/"code":"([^"]+)"/.exec(text)?.[1] ?? text.slice(0, 60)}`);
        } catch (err) {
          if (!(err instanceof TypeError)) throw err;
          networkErrors++;
        }
        if (tries >= 200) throw new Error(`create MN-${i}: no answer after ${tries} tries; last answers ${retryAnswers.slice(-3).join(' | ')}`);
        node = (node + 1) % nodes.length;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    let next = 0;
    const worker = async () => {
      while (next < ORDERS) {
        const i = next++;
        const p = await create(i);
        created.set(i, p);
        if (i % 3 === 2) { unpaid.add(p.id); continue; }
        if (!p.next_action) throw new Error(`MN-${i} (${p.id}) answered ${p.status} without a QR code`);
        const pay = await fetch(`${sim.url}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: json, body: JSON.stringify({ reference: p.next_action.qr_code, outcome: 'success' }) });
        if (!pay.ok) throw new Error(`pay MN-${i}: ${pay.status} ${await pay.text()}`);
        paid.add(p.id);
      }
    };
    const toPay = Array.from({ length: ORDERS }, (_, i) => i).filter((i) => i % 3 !== 2).length;
    const victim = nodes[1]!;
    let killedAt = 0;
    let downMs = 0;
    const killer = (async () => {
      await waitFor(() => paid.size >= toPay / 3 || undefined, { timeoutMs: 120_000, intervalMs: 10, what: 'a third of the orders paid' });
      killedAt = paid.size;
      const t = Date.now();
      await victim.kill();
      await victim.start();
      downMs = Date.now() - t;
    })();
    await Promise.all([...Array.from({ length: CONCURRENCY }, worker), killer]);
    const tLoad = Date.now();
    expect(killedAt).toBeGreaterThan(0);
    expect(killedAt).toBeLessThan(toPay); // the kill landed mid-run, not after it
    expect(networkErrors).toBeGreaterThan(0); // and hit requests in flight or refused new ones
    expect(paid.size).toBe(toPay);

    // Every retried order is one payment: asking again answers 200 with the same id, and the
    // database holds exactly one payment per order, the one the client was given.
    for (const [i, c] of created) {
      if (c.tries === 1) continue;
      const again = await fetch(`${nodes[i % 3]!.url}/v1/payments`, { method: 'POST', headers: { ...key, ...json }, body: JSON.stringify({ amount: 100 + i, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `MN-${i}` }) });
      expect(again.status).toBe(200);
      expect(((await again.json()) as { id: string }).id).toBe(c.id);
    }
    const rows = (await sql.query<{ id: string; merchant_order_id: string; status: string }>('SELECT id, merchant_order_id, status FROM payments')).rows;
    expect(rows.length).toBe(ORDERS);
    for (const r of rows) expect(r.id).toBe(created.get(Number(r.merchant_order_id.slice(3)))?.id);

    await waitFor(async () => {
      const r = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM payments WHERE id = ANY($1) AND status = 'succeeded'`, [[...paid]]);
      return Number(r.rows[0]!.n) === paid.size || undefined;
    }, { timeoutMs: 60_000, intervalMs: 250, what: 'every paid payment succeeded' });
    const tSettled = Date.now();
    const strayUnpaid = await sql.query(`SELECT id, status FROM payments WHERE id = ANY($1) AND status <> 'requires_action'`, [[...unpaid]]);
    expect(strayUnpaid.rows).toEqual([]);

    // The event log, read through the front proxy: one payment.succeeded per paid payment and
    // no transition recorded twice, though every notification was handled on two nodes.
    const events: Array<{ id: string; type: string; data: { object: { id: string } } }> = [];
    for (let after = ''; ;) {
      const r = await fetch(`${proxy.url}/v1/events?limit=100${after ? `&starting_after=${after}` : ''}`, { headers: key });
      expect(r.status).toBe(200);
      const page = (await r.json()) as { data: typeof events; has_more: boolean };
      events.push(...page.data);
      if (!page.has_more) break;
      after = page.data[page.data.length - 1]!.id;
    }
    const transitions = new Map<string, number>();
    for (const e of events) transitions.set(`${e.data.object.id} ${e.type}`, (transitions.get(`${e.data.object.id} ${e.type}`) ?? 0) + 1);
    expect([...transitions].filter(([, n]) => n > 1)).toEqual([]);
    const succeeded = events.filter((e) => e.type === 'payment.succeeded').map((e) => e.data.object.id);
    expect(succeeded.length).toBe(paid.size);
    expect(new Set(succeeded)).toEqual(paid);

    // Both copies of every notification went to two different nodes; some met the dead one.
    // (A late one, a provider retry say, may still be in flight: wait for its two answers.)
    // Each copy is bounded by the proxy's 15 s timeout, so 45 s covers a late one and its retry.
    const unanswered = () => proxy.notifications.filter((n) => n.copies.length < 2);
    await waitFor(() => unanswered().length === 0 || undefined, {
      timeoutMs: 45_000,
      what: () => `both copies of every notification answered; ${unanswered().length} of ${proxy.notifications.length} not: ${JSON.stringify(unanswered().slice(0, 3))}`,
    });
    expect(proxy.notifications.length).toBeGreaterThanOrEqual(paid.size);
    for (const n of proxy.notifications) {
      expect(n.nodes[0]).not.toBe(n.nodes[1]);
      expect(n.copies.map((c) => c.node).sort()).toEqual([...n.nodes].sort());
    }
    const deadCopies = proxy.notifications.flatMap((n) => n.copies).filter((c) => c.error !== undefined);
    expect(deadCopies.length).toBeGreaterThan(0);
    // Per provider notification (its notify_id; a retry keeps it): at most one copy changed anything.
    const verdicts = await sql.query<{ notification_id: string; accepted: string; duplicates: string }>(
      `SELECT notification_id, count(*) FILTER (WHERE verdict = 'accepted') AS accepted, count(*) FILTER (WHERE verdict = 'duplicate') AS duplicates
         FROM notifications WHERE payment_id IS NOT NULL GROUP BY notification_id`);
    expect(verdicts.rows.every((r) => r.notification_id !== null)).toBe(true);
    expect(verdicts.rows.filter((r) => Number(r.accepted) > 1)).toEqual([]);
    expect(verdicts.rows.reduce((s, r) => s + Number(r.duplicates), 0)).toBeGreaterThan(paid.size / 2);

    // At-least-once delivery: every event arrives; all copies of one event are byte-identical.
    const byId = new Map<string, Set<string>>();
    await waitFor(() => {
      byId.clear();
      for (const r of receiver.received) {
        const id = (JSON.parse(r.body) as { id: string }).id;
        expect(r.headers['paygate-event-id']).toBe(id);
        byId.set(id, (byId.get(id) ?? new Set()).add(r.body));
      }
      return events.every((e) => byId.has(e.id)) || undefined;
    }, { timeoutMs: 60_000, intervalMs: 250, what: 'every event delivered' });
    expect([...byId].filter(([, bodies]) => bodies.size > 1)).toEqual([]);
    const tDelivered = Date.now();

    // Nothing left behind: no expired lease unreclaimed, no job overdue, no delivery pending.
    const leftovers = async () => {
      const now = Date.now();
      const r = await sql.query<{ expired: string; overdue: string; pending: string }>(
        `SELECT (SELECT count(*) FROM jobs WHERE locked_by IS NOT NULL AND locked_until < $1) AS expired,
                (SELECT count(*) FROM jobs WHERE run_at < $2) AS overdue,
                (SELECT count(*) FROM webhook_deliveries WHERE status <> 'succeeded') AS pending`, [now, now - DUE_BOUND_MS]);
      return { expired: Number(r.rows[0]!.expired), overdue: Number(r.rows[0]!.overdue), pending: Number(r.rows[0]!.pending) };
    };
    let last = await leftovers();
    await waitFor(async () => {
      last = await leftovers();
      return (last.expired === 0 && last.overdue === 0 && last.pending === 0) || undefined;
    }, { timeoutMs: 45_000, intervalMs: 500, what: 'no stuck jobs or pending deliveries' }).catch(() => undefined);
    expect(last).toEqual({ expired: 0, overdue: 0, pending: 0 });

    const retried = [...created.values()].filter((c) => c.tries > 1).length;
    console.log(`multinode: ${ORDERS} orders (${paid.size} paid) in ${((tLoad - t0) / 1000).toFixed(1)} s, settled +${((tSettled - tLoad) / 1000).toFixed(1)} s, `
      + `delivered +${((tDelivered - tSettled) / 1000).toFixed(1)} s; node 1 killed at ${killedAt} paid, back after ${downMs} ms; `
      + `${networkErrors} network errors, ${retryAnswers.length} 5xx/429 answers (${histogram(retryAnswers)}), ${retried} orders retried; `
      + `${proxy.notifications.length} notifications (${deadCopies.length} copies to a dead node), ${events.length} events, ${receiver.received.length} deliveries`);
  });
});
