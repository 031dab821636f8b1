/**
 * (dist/ is built by the vitest global setup.)
 * PostgreSQL goes away under steady traffic and comes back: a gateway process on a private
 * PostgreSQL cluster (the shared one is never touched) keeps running, answers 503
 * SERVICE.UNAVAILABLE while the database is down — never a 500, never a dropped connection —
 * and serves again within seconds of the restart. Nothing it confirmed is lost, and its
 * background jobs pick up where they stopped.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startAlipaySimulator } from '../simulators/alipay/index.js';
import { TEST_REDIS_URL, uniquePrefix } from '../test-support/redis.js';
import { ADMIN_TOKEN, startReceiver, waitFor } from '../test-support/harness.js';
import { freePort, gatewayNode, startPrivatePostgres, type GatewayNode, type PrivatePostgres } from '../test-support/cluster.js';

const OUTAGE_MS = 3_000;
const WORKERS = 4;

interface Answer { at: number; done: number; order: string; status: number; code?: string; id?: string; error?: string }

describe('PostgreSQL restart under load', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-pg-outage-'));
  let pgc: PrivatePostgres | undefined;
  let node: GatewayNode | undefined;
  let sim: Awaited<ReturnType<typeof startAlipaySimulator>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    pgc = await startPrivatePostgres();
    const admin = new pg.Client({ connectionString: pgc.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE paygate');
    await admin.end();
    sim = await startAlipaySimulator({ port: 0, dataDir: path.join(dir, 'sim'), timeScale: 0.001 });
    receiver = await startReceiver();
    node = gatewayNode(0, await freePort(), {
      // Production mode: Redis stays up while PostgreSQL goes away.
      DATABASE_URL: pgc.urlFor('paygate'), REDIS_URL: TEST_REDIS_URL, PAYGATE_REDIS_PREFIX: uniquePrefix(),
      PAYGATE_MASTER_KEY: crypto.randomBytes(32).toString('base64'), PAYGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      PAYGATE_SIMULATORS: 'false', LOG_LEVEL: 'error', PAYGATE_TIME_SCALE: '0.01', PAYGATE_JOB_POLL_MS: '50',
      PAYGATE_PROVIDER_TIMEOUT_MS: '2000', PAYGATE_WEBHOOK_TIMEOUT_MS: '2000',
    });
    await node.start();
  }, 60_000);

  afterAll(async () => {
    await node?.dispose();
    await receiver?.close();
    await sim?.close();
    await pgc?.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 SERVICE.UNAVAILABLE while the database is down, then recovers without losing anything', { timeout: 120_000 }, async () => {
    const gw = node!;
    onTestFailed(() => console.error(`--- gateway output (tail) ---\n${gw.logTail()}\n--- postgres log (tail) ---\n${pgc?.logTail() ?? ''}`));
    const json = { 'content-type': 'application/json' };
    const adminPost = async (p: string, body: unknown) => (await fetch(gw.url + p, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...json }, body: JSON.stringify(body) })).json() as Promise<Record<string, string>>;
    const merchant = await adminPost('/admin/merchants', { name: 'Outage Shop' });
    const key = { authorization: `Bearer ${merchant.secret_key}` };
    await adminPost(`/admin/merchants/${merchant.id}/provider_accounts`, { provider: 'alipay', mode: 'sandbox', base_url: `${sim.url}/sandbox/alipay`, credentials: sim.sim.registerApp() });
    expect((await fetch(`${gw.url}/v1/webhook_endpoints`, { method: 'POST', headers: { ...key, ...json }, body: JSON.stringify({ url: receiver.url, events: ['*'] }) })).status).toBe(201);

    let seq = 0;
    const create = async (order = `OUT-${seq++}`): Promise<Answer> => {
      const at = Date.now();
      try {
        const r = await fetch(`${gw.url}/v1/payments`, { method: 'POST', headers: { ...key, ...json }, body: JSON.stringify({ amount: 1000, currency: 'CNY', method: 'alipay_qr', merchant_order_id: order }), signal: AbortSignal.timeout(15_000) });
        const body = (await r.json()) as { id?: string; error?: { code: string } };
        return { at, done: Date.now(), order, status: r.status, ...(body.id ? { id: body.id } : {}), ...(body.error ? { code: body.error.code } : {}) };
      } catch (err) {
        return { at, done: Date.now(), order, status: 0, error: String(err) };
      }
    };
    const pay = async (qr: string) => {
      const r = await fetch(`${sim.url}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: json, body: JSON.stringify({ reference: qr, outcome: 'success' }) });
      expect(r.status).toBe(200);
    };
    const readyz = async () => {
      const r = await fetch(`${gw.url}/readyz`);
      return `${r.status} ${((await r.json()) as { status: string }).status}`;
    };

    // A payment made before the outage and paid while it lasts: its notification meets a dead database.
    const early = await fetch(`${gw.url}/v1/payments`, { method: 'POST', headers: { ...key, ...json }, body: JSON.stringify({ amount: 4321, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'EARLY' }) });
    expect(early.status).toBe(201);
    const earlyPayment = (await early.json()) as { id: string; next_action: { qr_code: string } };

    const answers: Answer[] = [];
    let stopTraffic = false;
    const worker = async () => {
      while (!stopTraffic) {
        answers.push(await create());
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const traffic = Array.from({ length: WORKERS }, worker);

    await new Promise((r) => setTimeout(r, 1_500));
    const down = Date.now();
    await pgc!.stop();
    const readyDuring: string[] = [];
    await pay(earlyPayment.next_action.qr_code);
    while (Date.now() - down < OUTAGE_MS) {
      readyDuring.push(await readyz());
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(gw.alive()).toBe(true);
    await pgc!.start();
    const up = Date.now();
    // Traffic continues until the gateway has served a clean run of creates again.
    await waitFor(() => {
      const after = answers.filter((a) => a.at > up);
      return (after.length >= 40 && after.slice(-20).every((a) => a.status === 201)) || undefined;
    }, { timeoutMs: 30_000, intervalMs: 100, what: '20 creates in a row after the restart' });
    stopTraffic = true;
    await Promise.all(traffic);
    expect(gw.alive()).toBe(true);

    const bad = answers.filter((a) => a.status !== 201 && !(a.status === 503 && a.code === 'SERVICE.UNAVAILABLE'));
    expect(bad).toEqual([]);
    const unavailable = answers.filter((a) => a.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    // 503 only around the outage: everything answered before the stop, or sent well after the restart, succeeded.
    expect(answers.filter((a) => (a.done < down || a.at > up + 5_000) && a.status !== 201)).toEqual([]);
    expect(answers.filter((a) => a.done < down).length).toBeGreaterThan(0);
    const lastUnavailable = Math.max(...unavailable.map((a) => a.at));
    const firstBack = Math.min(...answers.filter((a) => a.status === 201 && a.at > up).map((a) => a.at));
    expect(firstBack - up).toBeLessThan(5_000);
    expect(lastUnavailable - up).toBeLessThan(5_000);
    expect(readyDuring.length).toBeGreaterThan(0);
    expect(readyDuring.filter((r) => r !== '503 database_unreachable')).toEqual([]);
    await waitFor(async () => (await readyz()) === '200 ready' || undefined, { timeoutMs: 5_000, what: '/readyz 200 after the restart' });

    // Everything the gateway confirmed is there.
    const confirmed = answers.filter((a) => a.status === 201);
    for (const a of confirmed) {
      const r = await fetch(`${gw.url}/v1/payments/${a.id!}`, { headers: key });
      expect(r.status).toBe(200);
      expect(((await r.json()) as { merchant_order_id: string }).merchant_order_id).toBe(a.order);
    }

    // Background work resumed: the payment paid during the outage settles (notification retry
    // or poll), so does one paid after it, and both events reach the merchant (webhook jobs).
    const late = await create('LATE');
    expect(late.status).toBe(201);
    const latePayment = (await (await fetch(`${gw.url}/v1/payments/${late.id!}`, { headers: key })).json()) as { id: string; next_action: { qr_code: string } };
    await pay(latePayment.next_action.qr_code);
    for (const id of [earlyPayment.id, latePayment.id]) {
      await waitFor(async () => ((await (await fetch(`${gw.url}/v1/payments/${id}`, { headers: key })).json()) as { status: string }).status === 'succeeded' || undefined,
        { timeoutMs: 20_000, intervalMs: 100, what: `${id} succeeded` });
    }
    await waitFor(() => {
      const got = receiver.received.map((r) => JSON.parse(r.body) as { type: string; data: { object: { id: string } } }).filter((e) => e.type === 'payment.succeeded').map((e) => e.data.object.id);
      return (got.includes(earlyPayment.id) && got.includes(latePayment.id)) || undefined;
    }, { timeoutMs: 20_000, what: 'payment.succeeded webhooks for both' });
    console.log(`pg-outage: ${answers.length} creates, ${confirmed.length} × 201, ${unavailable.length} × 503 SERVICE.UNAVAILABLE; database down ${up - down} ms; `
      + `first 201 ${firstBack - up} ms after restart, last 503 ${lastUnavailable - up} ms after; /readyz during outage ${readyDuring.length} × ${readyDuring[0] ?? ''}`);
  });
});
