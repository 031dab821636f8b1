/**
 * Test harness: a real gateway (HTTP on a loopback port, real database, in-process
 * simulators) per test file. SQLite gets a fresh temp dir; PostgreSQL a fresh database
 * that is dropped afterwards. Time scale makes polls and retries fast.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Agent, fetch as undiciFetch } from 'undici';
import type { DestinationStream } from 'pino';
import { createRuntime, type Runtime } from '../runtime.js';
import { migrate, openDb, type DbHandle } from '../infra/db/index.js';

export type DbKind = 'sqlite' | 'postgres';
export const DB_KINDS: DbKind[] = ['sqlite', 'postgres'];
export const PG_ADMIN_URL = process.env.PAYGATE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export async function createPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `paygate_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A migrated database of `kind` on its own (no gateway), for repository and worker tests; `drop()` closes and removes it. */
export async function migratedDb(kind: DbKind, prefix: string): Promise<{ h: DbHandle; drop(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const pgdb = kind === 'postgres' ? await createPgDatabase() : undefined;
  const h = openDb({ dataDir: dir, ...(pgdb ? { databaseUrl: pgdb.url } : {}) });
  await migrate(h.db);
  return {
    h,
    async drop() {
      await h.destroy();
      await pgdb?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Gateway {
  url: string;
  rt: Runtime;
  dataDir: string;
  env: Record<string, string>;
  admin<T = Record<string, unknown>>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }>;
  api<T = Record<string, unknown>>(key: string, method: string, p: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T; text: string; headers: Headers }>;
  stop(): Promise<void>;
  /** Stops the server only; the data dir / database stays for a restart. */
  close(): Promise<void>;
}

export interface GatewayOptions {
  db: DbKind;
  env?: Record<string, string>;
  /** Reuse an existing data dir / database (restart tests). */
  dataDir?: string;
  databaseUrl?: string;
  /** PEM of the CA that signed the gateway's TLS certificate (env PAYGATE_TLS_*): api()/admin() then trust it. */
  ca?: string;
  /** Receives the gateway's log lines (set LOG_LEVEL in env to see more than nothing). */
  logDestination?: DestinationStream;
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-test-'));
  const pgdb = opts.db === 'postgres' && !opts.databaseUrl ? await createPgDatabase() : undefined;
  const env: Record<string, string> = {
    PORT: '0', HOST: '127.0.0.1', PAYGATE_DATA_DIR: dataDir, LOG_LEVEL: 'silent', PAYGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    PAYGATE_TIME_SCALE: '0.001', PAYGATE_SANDBOX_TIME_SCALE: '0.001', PAYGATE_JOB_POLL_MS: '20', PAYGATE_PROVIDER_TIMEOUT_MS: '2000',
    PAYGATE_WEBHOOK_TIMEOUT_MS: '1000',
    // The daily reconciliation sweep would read every sandbox account's bill mid-test; tests that want it turn it on.
    PAYGATE_RECON_SCHEDULE: 'off',
    // Tests run the simulators and deliver webhooks to loopback receivers on both databases;
    // a real deployment with DATABASE_URL has neither unless it opts in like this.
    PAYGATE_SIMULATORS: 'true', PAYGATE_WEBHOOK_ALLOWED_HOSTS: '127.0.0.0/8,::1,localhost',
    PAYGATE_MASTER_KEY: crypto.createHash('sha256').update(dataDir).digest('base64'),
    ...(pgdb ? { DATABASE_URL: pgdb.url } : {}),
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...(opts.env ?? {}),
  };
  const rt = await createRuntime(env, opts.logDestination ? { logDestination: opts.logDestination } : {});
  await rt.listen();
  const url = rt.ctx.publicUrl();
  const dispatcher = opts.ca ? new Agent({ connect: { ca: opts.ca } }) : undefined;
  const call = async (auth: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}, base = url) => {
    const init = {
      method,
      headers: { authorization: `Bearer ${auth}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    };
    // undici's own fetch only when a test CA must be trusted; otherwise Node's global fetch, as before.
    const res = dispatcher ? await undiciFetch(base + p, { ...init, dispatcher }) : await fetch(base + p, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
  let stopped = false;
  const gw: Gateway = {
    url, rt, dataDir, env,
    admin: async <T,>(method: string, p: string, body?: unknown) => {
      // The admin listener when PAYGATE_ADMIN_LISTEN moved the admin API off the public one.
      const r = await call(ADMIN_TOKEN, method, p, body, {}, rt.listeners.admin ?? url);
      return { status: r.status, body: r.body as T };
    },
    api: async <T,>(key: string, method: string, p: string, body?: unknown, headers?: Record<string, string>) => {
      const r = await call(key, method, p, body, headers);
      return { ...r, body: r.body as T };
    },
    async close() {
      if (stopped) return;
      stopped = true;
      await rt.stop();
      await dispatcher?.close();
    },
    async stop() {
      await gw.close();
      await pgdb?.drop();
      if (!opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return gw;
}

export interface Received { headers: http.IncomingHttpHeaders; body: string; at: number }

/** A merchant webhook endpoint on loopback. `respond` decides the status per request. */
export async function startReceiver(respond: (n: number, r: Received) => number | 'hang' = () => 200) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      received.push(r);
      const status = respond(received.length, r);
      if (status === 'hang') return; // never answer: the sender must time out
      res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** `what` names the condition in the timeout error; a function is called then, to say what was still missing. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, opts: { timeoutMs?: number; intervalMs?: number; what?: string | (() => string | Promise<string>) } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof opts.what === 'function' ? await opts.what() : opts.what ?? 'condition'}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 25));
  }
}

/** A sandbox merchant with an Alipay account on the in-process simulator, plus a webhook endpoint if a URL is given. */
export async function sandboxMerchant(gw: Gateway, webhookUrl?: string, events: string[] = ['*']) {
  const { createSandboxMerchant } = await import('../sandbox/index.js');
  const m = await createSandboxMerchant(gw.rt.ctx, gw.rt.simulators, `Shop ${crypto.randomBytes(3).toString('hex')}`);
  let webhookSecret: string | undefined;
  if (webhookUrl) {
    const ep = await gw.api<{ secret: string }>(m.secret_key, 'POST', '/v1/webhook_endpoints', { url: webhookUrl, events });
    webhookSecret = ep.body.secret;
  }
  return { id: m.id, key: m.secret_key, accountId: m.provider_accounts.find((a) => a.provider === 'alipay')?.id ?? '', webhookSecret };
}
