/**
 * The CLI says so when the simulators are off: `merchant create --sandbox` refuses (and
 * creates nothing), names what to do, and attaches standalone simulators with
 * --simulators-url; `start` prints how to create a real merchant instead of a demo one;
 * in the embedded quick start the demo banner warns that /sandbox/* is open.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRuntime } from '../runtime.js';
import { ADMIN_TOKEN, createPgDatabase, startGateway, waitFor } from '../test-support/harness.js';
import { bootstrapDemo } from './demo.js';
import { main } from './main.js';
import { startSandboxServer } from './sandbox-server.js';

describe('CLI with the simulators off', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-cli-off-'));
  let pgdb: Awaited<ReturnType<typeof createPgDatabase>>;
  let env: Record<string, string>;
  const saved = { ...process.env };

  beforeAll(async () => {
    pgdb = await createPgDatabase();
    env = { DATABASE_URL: pgdb.url, PAYGATE_MASTER_KEY: crypto.randomBytes(32).toString('base64'), PAYGATE_ADMIN_TOKEN: 'cli-admin-token-0123456789', PAYGATE_DATA_DIR: dir, LOG_LEVEL: 'silent', PORT: '0' };
  });
  afterAll(async () => {
    process.env = saved;
    await pgdb?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('merchant create --sandbox against a gateway without simulators refuses, says why and what to do, and creates nothing', async () => {
    // The gateway runs as in production (DATABASE_URL, simulators off by default), on its own port.
    const gw = await startGateway({ db: 'postgres', databaseUrl: pgdb.url, env: { PAYGATE_SIMULATORS: '' } });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const logs = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(gw.rt.config.PAYGATE_SIMULATORS).toBe(false);
      await main(['merchant', 'create', '--name', 'Nope', '--sandbox', '--url', gw.url, '--admin-token', ADMIN_TOKEN]);
      expect(process.exitCode).toBe(2);
      const said = errors.mock.calls.flat().join('\n');
      expect(said).toContain(`--sandbox needs the provider simulators, and none answer at ${gw.url}/sandbox/<provider>.`);
      expect(said).toMatch(/restart the gateway with PAYGATE_SIMULATORS=true, or run them standalone with `paygate sandbox --port 9000` and pass --simulators-url/);
      expect(said).toMatch(/Nothing was created\.$/);
      expect(logs).not.toHaveBeenCalled();
      expect((await gw.admin<{ data: unknown[] }>('GET', '/admin/merchants')).body.data).toEqual([]);
    } finally {
      process.exitCode = undefined;
      errors.mockRestore();
      logs.mockRestore();
      await gw.stop();
    }
    const rt = await createRuntime({ ...env, PAYGATE_WORKER: 'false' });
    try {
      // `start` on the empty database: no demo merchant, and how to make a real one.
      const banner = await bootstrapDemo(rt);
      expect(banner).toMatch(/No demo merchant: the provider simulators and the sandbox webhook inbox are off \(DATABASE_URL is set/);
      expect(banner).toContain('/admin/merchants');
      expect(await rt.ctx.db.selectFrom('merchants').select('id').execute()).toEqual([]);
    } finally {
      await rt.stop();
    }
  });

  it('attaches standalone simulators (`paygate sandbox --port`) with --simulators-url; payments settle through them, webhooks included', { timeout: 120_000 }, async () => {
    const gw = await startGateway({ db: 'postgres', databaseUrl: pgdb.url, env: { PAYGATE_SIMULATORS: 'false' } });
    const sims = await startSandboxServer({ port: 0, host: '127.0.0.1', dataDir: path.join(dir, 'standalone'), timeScale: 0.001 });
    const logs = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await main(['merchant', 'create', '--name', 'Standalone Shop', '--sandbox', '--simulators-url', sims.url, '--url', gw.url, '--admin-token', ADMIN_TOKEN, '--json']);
      expect(errors.mock.calls.flat().join('\n')).toBe('');
      expect(process.exitCode).toBeUndefined();
      const m = JSON.parse(String(logs.mock.calls[0]![0])) as { id: string; secret_key: string; provider_accounts: Array<{ provider: string; base_url: string }> };
      expect(m.provider_accounts.map((a) => [a.provider, a.base_url]).sort()).toEqual(['alipay', 'paypal', 'stripe', 'unionpay', 'wechatpay'].map((p) => [p, `${sims.url}/sandbox/${p}`]));
      for (const [method, currency] of [['alipay_qr', 'CNY'], ['wechat_native', 'CNY'], ['unionpay_qr', 'CNY'], ['paypal', 'USD'], ['stripe', 'USD']] as const) {
        const p = await gw.api<{ id: string }>(m.secret_key, 'POST', '/v1/payments', { amount: 500, currency, method, merchant_order_id: `SA-${method}` });
        expect(p.status, JSON.stringify(p.body)).toBe(201);
        await main(['sandbox', 'pay', p.body.id, '--url', gw.url, '--admin-token', ADMIN_TOKEN]);
        expect(errors.mock.calls.flat().join('\n'), method).toBe('');
        await waitFor(async () => (await gw.api<{ status: string }>(m.secret_key, 'GET', `/v1/payments/${p.body.id}`)).body.status === 'succeeded' || undefined, { what: `${method} paid at the standalone simulator` });
      }
      // The simulators' webhooks reached the gateway (PayPal and Stripe were pointed at /notify/<p>/<account> over HTTP).
      const notified = await waitFor(async () => {
        const rows = await gw.rt.ctx.db.selectFrom('notifications').select(['provider', 'verdict', 'error_code']).where('error_code', 'is', null).execute();
        return new Set(rows.map((n) => n.provider)).size === 5 ? rows : undefined;
      }, { what: 'a verified notification from every standalone simulator' });
      expect(new Set(notified.map((n) => n.provider))).toEqual(new Set(['alipay', 'wechatpay', 'unionpay', 'paypal', 'stripe']));
    } finally {
      process.exitCode = undefined;
      logs.mockRestore();
      errors.mockRestore();
      await sims.close();
      await gw.stop();
    }
  });

  it('embedded quick start: the demo banner warns that /sandbox/* is open', async () => {
    const gw = await startGateway({ db: 'sqlite', env: { PAYGATE_SIMULATORS: '' } });
    try {
      const banner = await bootstrapDemo(gw.rt);
      expect(banner).toContain('Demo merchant');
      expect(banner).toContain(`Warning: the simulators and the webhook inbox at ${gw.url}/sandbox/* answer anyone who can reach this port.`);
    } finally {
      await gw.stop();
    }
  });
});
