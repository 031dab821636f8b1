/**
 * (dist/ is built by the vitest global setup.)
 * Restart safety: the gateway runs as a separate process (the real `paygate start`), the
 * Alipay simulator stands apart like the real provider. Mid-load the gateway is SIGKILLed
 * and started again on the same data. Every payment paid at the provider must end
 * `succeeded`, and every event must reach the merchant endpoint.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlipaySimulator } from '../simulators/alipay/index.js';
import { ADMIN_TOKEN, DB_KINDS, createPgDatabase, startReceiver, waitFor } from '../test-support/harness.js';
import { freePort, ROOT } from '../test-support/ports.js';

describe.each(DB_KINDS)('restart safety on %s', (db) => {
  let sim: Awaited<ReturnType<typeof startAlipaySimulator>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let child: ChildProcess | undefined;
  let dropPg: (() => Promise<void>) | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-restart-'));
  let env: Record<string, string> = {};
  let base = '';

  async function startChild(): Promise<void> {
    child = spawn(process.execPath, [path.join(ROOT, 'bin/paygate.js'), 'start'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
    await waitFor(async () => {
      try {
        return (await fetch(`${base}/readyz`)).ok || undefined;
      } catch {
        return undefined;
      }
    }, { timeoutMs: 20_000, what: 'gateway ready' });
  }

  beforeAll(async () => {
    sim = await startAlipaySimulator({ port: 0, dataDir: path.join(dir, 'sim'), timeScale: 0.001 });
    receiver = await startReceiver();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      PORT: String(port), HOST: '127.0.0.1', PAYGATE_DATA_DIR: path.join(dir, 'gw'), PAYGATE_SIMULATORS: 'false', LOG_LEVEL: 'error',
      PAYGATE_TIME_SCALE: '0.001', PAYGATE_JOB_POLL_MS: '20', PAYGATE_ADMIN_TOKEN: ADMIN_TOKEN, PAYGATE_MASTER_KEY: crypto.randomBytes(32).toString('base64'),
      PAYGATE_PROVIDER_TIMEOUT_MS: '3000', PAYGATE_WEBHOOK_TIMEOUT_MS: '2000',
      // The receiver is on loopback, which a deployment with DATABASE_URL refuses unless allowed.
      PAYGATE_WEBHOOK_ALLOWED_HOSTS: '127.0.0.0/8,::1,localhost',
    };
    if (db === 'postgres') {
      const pg = await createPgDatabase();
      env.DATABASE_URL = pg.url;
      dropPg = pg.drop;
    }
    await startChild();
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await receiver?.close();
    await sim?.close();
    await dropPg?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('settles every paid payment and delivers every event after a SIGKILL mid-load', { timeout: 180_000 }, async () => {
    const admin = (p: string, body: unknown) => fetch(base + p, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<Record<string, string>>);
    const merchant = await admin('/admin/merchants', { name: 'Restart Shop' });
    const creds = sim.sim.registerApp();
    await admin(`/admin/merchants/${merchant.id}/provider_accounts`, { provider: 'alipay', mode: 'sandbox', base_url: `${sim.url}/sandbox/alipay`, credentials: creds });
    const api = (method: string, p: string, body?: unknown) => fetch(base + p, { method, headers: { authorization: `Bearer ${merchant.secret_key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    expect((await api('POST', '/v1/webhook_endpoints', { url: receiver.url, events: ['*'] })).status).toBe(201);

    const paid = new Set<string>();
    const N = 120;
    let next = 0;
    let killed = false;
    let seenErrors = 0;
    // Like a merchant's client: on a network error, retry the same merchant_order_id until
    // the gateway answers; the second create must find the first one, not make another.
    const createUntilAnswered = async (i: number) => {
      for (;;) {
        try {
          const r = await api('POST', '/v1/payments', { amount: 100 + i, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `R-${i}` });
          if (r.status === 200 || r.status === 201) return (await r.json()) as { id: string; next_action: { qr_code: string } | null };
          if (r.status < 500) throw new Error(`create R-${i}: ${r.status} ${await r.text()}`);
        } catch (err) {
          if (!(err instanceof TypeError)) throw err;
          seenErrors++;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const worker = async () => {
      while (next < N) {
        const i = next++;
        const p = await createUntilAnswered(i);
        if (i % 3 === 2 || !p.next_action) continue; // left unpaid
        const pay = await fetch(`${sim.url}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: p.next_action.qr_code, outcome: 'success' }) });
        if (pay.ok) paid.add(p.id);
        else throw new Error(`pay ${pay.status} ${await pay.text()}`);
      }
    };
    // SIGKILL while requests and notifications are in flight, then start again.
    const killer = (async () => {
      await waitFor(() => paid.size >= 15 || undefined, { timeoutMs: 30_000 });
      killed = true;
      child!.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      await startChild();
    })();
    await Promise.all([worker(), worker(), worker(), worker(), worker(), worker(), killer]);
    expect(killed).toBe(true);
    expect(seenErrors).toBeGreaterThan(0); // the kill really hit requests in flight
    expect(paid.size).toBe(80);

    const statusOf = async (id: string) => ((await (await api('GET', `/v1/payments/${id}`)).json()) as { status: string }).status;
    await waitFor(async () => {
      for (const id of paid) if ((await statusOf(id)) !== 'succeeded') return undefined;
      return true;
    }, { timeoutMs: 60_000, intervalMs: 200, what: 'every paid payment succeeded' });

    // Every event in the log reaches the endpoint at least once, with its own id.
    const events: string[] = [];
    let after = '';
    for (;;) {
      const page = (await (await api('GET', `/v1/events?limit=100${after ? `&starting_after=${after}` : ''}`)).json()) as { data: Array<{ id: string; type: string; data: { object: { id: string } } }>; has_more: boolean };
      events.push(...page.data.map((e) => e.id));
      for (const e of page.data) if (e.type === 'payment.succeeded') paid.delete(e.data.object.id);
      if (!page.has_more) break;
      after = page.data[page.data.length - 1]!.id;
    }
    expect(paid.size).toBe(0); // one payment.succeeded event per paid payment
    await waitFor(() => {
      const got = new Set(receiver.received.map((r) => (JSON.parse(r.body) as { id: string }).id));
      return events.every((id) => got.has(id)) || undefined;
    }, { timeoutMs: 60_000, what: 'every event delivered' });
  });
});
