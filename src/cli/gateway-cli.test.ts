/**
 * The CLI talks to the running gateway over its API, wherever that gateway listens: run from
 * an empty directory without the gateway's environment, it creates sandbox merchants whose
 * accounts point at the gateway's real address, plays payments, refuses unknown options and
 * bad values with exit code 2 and one line (no stack trace), and never leaves a ./data behind.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startGateway, waitFor, type Gateway } from '../test-support/harness.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/paygate.js');

/** The real binary, in `cwd`, with only `env` on top of PATH (none of the gateway's settings). */
export function cli(args: string[], o: { cwd: string; env?: Record<string, string> }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: o.cwd, env: { PATH: process.env.PATH ?? '', ...o.env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

type Merchant = { id: string; secret_key: string; provider_accounts: Array<{ id: string; provider: string; base_url: string }> };

describe('CLI against a gateway on a non-default port', () => {
  let gw: Gateway;
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-cli-cwd-'));
  let env: Record<string, string>;

  beforeAll(async () => {
    gw = await startGateway({ db: 'sqlite' });
    expect(gw.url).not.toContain(':8080');
    env = { PAYGATE_URL: gw.url, PAYGATE_ADMIN_TOKEN: ADMIN_TOKEN };
  });
  afterAll(async () => {
    await gw?.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('merchant create --sandbox makes accounts at the gateway\'s own address; sandbox pay settles the payment; no ./data appears', async () => {
    const made = await cli(['merchant', 'create', '--name', 'Port Shop', '--sandbox', '--json'], { cwd, env });
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    const m = JSON.parse(made.stdout) as Merchant;
    expect(m.provider_accounts.map((a) => a.provider).sort()).toEqual(['alipay', 'paypal', 'stripe', 'unionpay', 'wechatpay']);
    for (const a of m.provider_accounts) expect(a.base_url).toBe(`${gw.url}/sandbox/${a.provider}`);

    for (const [method, currency] of [['alipay_qr', 'CNY'], ['wechat_native', 'CNY'], ['unionpay_qr', 'CNY'], ['paypal', 'USD'], ['stripe', 'USD']] as const) {
      const p = await gw.api<{ id: string; status: string }>(m.secret_key, 'POST', '/v1/payments', { amount: 1234, currency, method, merchant_order_id: `PORT-${method}` });
      expect(p.status, `${method}: ${JSON.stringify(p.body)}`).toBe(201);
      const paid = await cli(['sandbox', 'pay', p.body.id], { cwd, env });
      expect(paid.code, `${method}: ${paid.stderr}`).toBe(0);
      await waitFor(async () => (await gw.api<{ status: string }>(m.secret_key, 'GET', `/v1/payments/${p.body.id}`)).body.status === 'succeeded' || undefined, { what: `${method} succeeded` });
    }
    expect(fs.readdirSync(cwd)).toEqual([]);
  });

  it('finds the admin token where `paygate start` writes it (PAYGATE_DATA_DIR/admin.token) and the URL from PORT', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-cli-token-'));
    try {
      fs.writeFileSync(path.join(dataDir, 'admin.token'), `${ADMIN_TOKEN}\n`);
      const r = await cli(['merchant', 'create', '--name', 'Token Shop', '--json'], { cwd, env: { PORT: new URL(gw.url).port, PAYGATE_DATA_DIR: dataDir } });
      expect(r.stderr).toBe('');
      expect((JSON.parse(r.stdout) as Merchant).id).toMatch(/^mch_/);
      // Without a token anywhere: says where it looked, creates nothing (no ./data either).
      const none = await cli(['merchant', 'create', '--name', 'No Token'], { cwd, env: { PAYGATE_URL: gw.url } });
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/^paygate: no admin token: pass --admin-token or set PAYGATE_ADMIN_TOKEN .*data\/admin\.token/);
      expect(fs.readdirSync(cwd)).toEqual([]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses unknown options and bad values with exit 2 and one line, before doing anything', async () => {
    const before = (await gw.admin<{ data: unknown[] }>('GET', '/admin/merchants?limit=100')).body.data.length;
    const cases: Array<[string[], RegExp]> = [
      [['sandbox', 'pay', 'pay_01jabcdefghjkmnpqrstvwxyz0', '--outcome', 'maybe'], /--outcome must be success or fail, got "maybe"/],
      [['merchant', 'create', '--name', 'X', '--sandbox', '--colour', 'red'], /Unknown option '--colour'/],
      [['merchant', 'create', '--name'], /Option '--name <value>' argument missing/],
      [['merchant', 'create'], /merchant create needs --name/],
      [['merchant', 'create', '--name', 'X', '--simulators-url', 'http://127.0.0.1:9'], /--simulators-url only goes with --sandbox/],
      [['merchant', 'create', '--name', 'X', '--sandbox', '--simulators-url', 'ftp://x'], /--simulators-url must be an http\(s\) URL/],
      [['merchant', 'delete'], /unknown subcommand "delete"/],
      [['sandbox', 'pay'], /usage: paygate sandbox pay <payment_id>/],
      [['sandbox', '--port', 'eighty'], /--port must be a port number 0\.\.65535, got "eighty"/],
      [['sandbox', 'dance'], /unknown sandbox command "dance"/],
      [['start', '--verbose'], /Unknown option '--verbose'/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args, { cwd, env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, args.join(' ')).not.toMatch(/^\s+at /m);
      expect(r.stdout, args.join(' ')).toBe('');
    }
    expect((await gw.admin<{ data: unknown[] }>('GET', '/admin/merchants?limit=100')).body.data.length).toBe(before);
    expect(fs.readdirSync(cwd)).toEqual([]);
  });

  it('says in one line what went wrong at the gateway: unknown payment, wrong token, nothing listening', async () => {
    const missing = await cli(['sandbox', 'pay', 'pay_01jabcdefghjkmnpqrstvwxyz0'], { cwd, env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^paygate: POST \/admin\/sandbox\/payments\/pay_01jabcdefghjkmnpqrstvwxyz0\/pay failed: 404 PAYMENT\.NOT_FOUND: no payment pay_01jabcdefghjkmnpqrstvwxyz0/);
    const badToken = await cli(['merchant', 'create', '--name', 'X', '--admin-token', 'wrong-token-0123456789'], { cwd, env });
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toMatch(/refused the admin token/);
    const port = await freePort();
    const down = await cli(['sandbox', 'pay', 'pay_01jabcdefghjkmnpqrstvwxyz0', '--url', `http://127.0.0.1:${port}`], { cwd, env });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(new RegExp(`^paygate: cannot reach the gateway at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): is it running\\? Point the CLI at it with --url or PAYGATE_URL\n$`));
    for (const r of [missing, badToken, down]) expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
