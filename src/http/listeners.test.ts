/**
 * Surfaces: the admin API and /metrics on their own listener (PAYGATE_ADMIN_LISTEN) or behind
 * a token (PAYGATE_METRICS_TOKEN); simulators and the sandbox inbox off by default whenever
 * DATABASE_URL is set or NODE_ENV=production.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { loadConfig } from '../infra/config.js';
import { createRuntime } from '../runtime.js';
import { ADMIN_TOKEN, DB_KINDS, startGateway, type Gateway } from '../test-support/harness.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

async function get(url: string, headers: Record<string, string> = {}, method = 'GET', body?: unknown) {
  const res = await fetch(url, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, text, json: (() => { try { return JSON.parse(text) as Record<string, unknown>; } catch { return undefined; } })() };
}
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('admin listener (PAYGATE_ADMIN_LISTEN)', () => {
  let gw: Gateway;
  let adminUrl: string;

  beforeAll(async () => {
    gw = await startGateway({ db: 'sqlite', env: { PAYGATE_ADMIN_LISTEN: '127.0.0.1:0' } });
    adminUrl = gw.rt.listeners.admin!;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('serves /admin/*, /metrics and the health checks there, and nothing else', async () => {
    expect(adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(adminUrl).not.toBe(gw.url);
    const created = await get(`${adminUrl}/admin/merchants`, admin, 'POST', { name: 'Admin port shop' });
    expect(created.status).toBe(201);
    // Still the admin token: a separate port is a second fence, not a replacement.
    expect((await get(`${adminUrl}/admin/merchants`)).json).toMatchObject({ error: { code: 'AUTH.INVALID_ADMIN_TOKEN' } });
    const metrics = await get(`${adminUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('paygate_payments_created_total');
    expect((await get(`${adminUrl}/healthz`)).status).toBe(200);
    expect((await get(`${adminUrl}/readyz`)).status).toBe(200);
    for (const p of ['/v1/payments', '/pay/pay_x', '/notify/alipay/pa_x', '/openapi.json', '/sandbox/webhooks/inbox', '/nope']) {
      const r = await get(`${adminUrl}${p}`, admin);
      expect(r.status, p).toBe(404);
      expect(r.json, p).toMatchObject({ error: { code: 'RESOURCE.NOT_FOUND' } });
    }
  });

  it('the public listener answers 404 for /admin/* and /metrics, even with the admin token and encoded paths', async () => {
    for (const p of ['/admin/merchants', '/%61dmin/merchants', '/admin/provider_accounts/pa_x/health', '/metrics', '/%6detrics']) {
      const r = await get(`${gw.url}${p}`, admin);
      expect(r.status, p).toBe(404);
      expect(r.json, p).toMatchObject({ error: { code: 'RESOURCE.NOT_FOUND' } });
      expect(r.text, p).not.toContain('paygate_');
    }
    const post = await get(`${gw.url}/admin/merchants`, admin, 'POST', { name: 'Should not exist' });
    expect(post.status).toBe(404);
    const list = await get(`${adminUrl}/admin/merchants`, admin);
    expect(JSON.stringify(list.json)).not.toContain('Should not exist');
    // The merchant API, health checks and docs stay public.
    expect((await get(`${gw.url}/v1/payments`)).json).toMatchObject({ error: { code: 'AUTH.MISSING' } });
    expect((await get(`${gw.url}/healthz`)).status).toBe(200);
    expect((await get(`${gw.url}/openapi.json`)).status).toBe(200);
  });

  it('the harness admin() goes to the admin listener', async () => {
    expect((await gw.admin('GET', '/admin/merchants')).status).toBe(200);
  });

  it('an admin address already in use fails listen() with the variable named, and stop() still cleans up', async () => {
    const taken = new URL(adminUrl);
    const rt = await createRuntime({ ...gw.env, PAYGATE_DATA_DIR: `${gw.dataDir}-second`, PAYGATE_ADMIN_LISTEN: `${taken.hostname}:${taken.port}`, PAYGATE_WORKER: 'false' });
    try {
      await expect(rt.listen()).rejects.toThrow(`PAYGATE_ADMIN_LISTEN: cannot listen on 127.0.0.1:${taken.port} (EADDRINUSE)`);
    } finally {
      await rt.stop();
      fs.rmSync(`${gw.dataDir}-second`, { recursive: true, force: true });
    }
  });
});

describe('metrics token (PAYGATE_METRICS_TOKEN)', () => {
  let gw: Gateway;
  let split: Gateway;

  beforeAll(async () => {
    gw = await startGateway({ db: 'sqlite', env: { PAYGATE_METRICS_TOKEN: METRICS_TOKEN } });
    split = await startGateway({ db: 'sqlite', env: { PAYGATE_METRICS_TOKEN: METRICS_TOKEN, PAYGATE_ADMIN_LISTEN: '127.0.0.1:0' } });
  });
  afterAll(async () => {
    await gw?.stop();
    await split?.stop();
  });

  it('without the token (or with another one) /metrics answers 401 and shows nothing', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789abcdef' }, admin, { authorization: METRICS_TOKEN }]) {
      const r = await get(`${gw.url}/metrics`, headers);
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({ error: { code: 'AUTH.INVALID_METRICS_TOKEN' } });
      expect(r.text).not.toContain('paygate_');
    }
    const ok = await get(`${gw.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('paygate_payments_created_total');
  });

  it('applies on the admin listener too', async () => {
    const admin = split.rt.listeners.admin!;
    expect((await get(`${admin}/metrics`)).status).toBe(401);
    expect((await get(`${admin}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);
  });

  it('is validated at boot', () => {
    expect(() => loadConfig({ PAYGATE_METRICS_TOKEN: 'short' })).toThrow(/PAYGATE_METRICS_TOKEN: use at least 16 characters/);
    expect(() => loadConfig({ PAYGATE_ADMIN_LISTEN: '9090' })).toThrow(/PAYGATE_ADMIN_LISTEN: must be host:port/);
    expect(() => loadConfig({ PAYGATE_ADMIN_LISTEN: '127.0.0.1:99999' })).toThrow(/PAYGATE_ADMIN_LISTEN: the port must be 0\.\.65535/);
    expect(loadConfig({ PAYGATE_ADMIN_LISTEN: '[::1]:9090' }).adminListen).toEqual({ host: '::1', port: 9090 });
  });
});

describe('simulators default', () => {
  const MASTER = { PAYGATE_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') };
  const PG = { DATABASE_URL: 'postgres://u@127.0.0.1/db', ...MASTER };

  it('on only in the embedded quick start; DATABASE_URL or NODE_ENV=production turn them off; explicit wins', () => {
    const cases: Array<[Record<string, string>, boolean]> = [
      [{}, true],
      [{ NODE_ENV: 'development' }, true],
      [{ NODE_ENV: 'production' }, false],
      [PG, false],
      [{ ...PG, NODE_ENV: 'development' }, false],
      [{ PAYGATE_SIMULATORS: 'true', ...PG }, true],
      [{ PAYGATE_SIMULATORS: 'true', NODE_ENV: 'production' }, true],
      [{ PAYGATE_SIMULATORS: 'false' }, false],
      [{ PAYGATE_SIMULATORS: '', ...PG }, false],
    ];
    for (const [env, on] of cases) expect(loadConfig(env).PAYGATE_SIMULATORS, JSON.stringify(env)).toBe(on);
  });

  for (const db of DB_KINDS) {
    it(`${db}: ${db === 'postgres' ? 'DATABASE_URL' : 'NODE_ENV=production'} without PAYGATE_SIMULATORS answers 404 on /sandbox/*`, async () => {
      // '' = unset: the harness opts every other test in explicitly.
      const gw = await startGateway({ db, env: { PAYGATE_SIMULATORS: '', ...(db === 'sqlite' ? { NODE_ENV: 'production' } : {}) } });
      try {
        expect(gw.rt.config.PAYGATE_SIMULATORS).toBe(false);
        expect(Object.keys(gw.rt.simulators)).toEqual([]);
        for (const p of ['/sandbox/webhooks/inbox', '/sandbox/alipay/gateway.do', '/sandbox/alipay/_faults', '/sandbox/stripe/v1/checkout/sessions']) {
          const r = await get(`${gw.url}${p}`);
          expect(r.status, p).toBe(404);
          expect(r.json, p).toMatchObject({ error: { code: 'RESOURCE.NOT_FOUND' } });
        }
        expect((await get(`${gw.url}/sandbox/webhooks/inbox`, {}, 'POST', { type: 'x' })).status).toBe(404);
        expect(gw.rt.notes.join('\n')).not.toMatch(/simulators and the sandbox webhook inbox are mounted/);
      } finally {
        await gw.stop();
      }
    });
  }

  it('embedded quick start: mounted, with a warning note', async () => {
    const gw = await startGateway({ db: 'sqlite', env: { PAYGATE_SIMULATORS: '' } });
    try {
      expect((await get(`${gw.url}/sandbox/webhooks/inbox`)).status).toBe(200);
      expect(gw.rt.notes.join('\n')).toMatch(/simulators and the sandbox webhook inbox are mounted at \/sandbox\/\* for anyone who can reach this port \(embedded quick start/);
    } finally {
      await gw.stop();
    }
  });
});
