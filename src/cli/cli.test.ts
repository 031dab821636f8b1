/**
 * The real `paygate` binary (dist/ built by the global setup): `start` on an empty data dir
 * bootstraps the demo merchant and prints how to use it; `merchant create --sandbox --json`;
 * `sandbox pay`; SIGTERM finishes in-flight requests before exiting.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../test-support/harness.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/paygate.js');
const run = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('paygate CLI', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-cli-'));
  let env: Record<string, string | undefined>;
  let base: string;
  let out = '';
  const child = { proc: undefined as ReturnType<typeof spawn> | undefined };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = { ...process.env, PORT: String(port), PAYGATE_DATA_DIR: dir, LOG_LEVEL: 'warn', PAYGATE_TIME_SCALE: '0.001', PAYGATE_ADMIN_TOKEN: undefined, PAYGATE_MASTER_KEY: undefined, DATABASE_URL: undefined };
    child.proc = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    await waitFor(() => out.includes('API docs') || undefined, { timeoutMs: 30_000, what: 'demo banner' });
  });
  afterAll(() => {
    child.proc?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('bootstraps a demo merchant and prints a working curl line and checkout URL', async () => {
    const key = /secret key:\s+(sk_test_\S+)/.exec(out)?.[1];
    expect(key).toBeDefined();
    expect(out).toMatch(/generated a master key/);
    expect(out).toContain(`curl -s ${base}/v1/payments`);
    const checkout = new RegExp(`${base}/pay/(pay_[0-9a-z]{26})`).exec(out);
    expect(checkout).not.toBeNull();
    expect(fs.existsSync(path.join(dir, 'paygate.sqlite'))).toBe(true);

    // The printed curl line, run for real.
    const curl = /(curl -s [\s\S]*?}')/.exec(out)![1]!.replace(/\\\n\s*/g, ' ');
    const { stdout } = await run('bash', ['-c', curl]);
    const created = JSON.parse(stdout) as { status: string; id: string };
    expect(created.status).toBe('requires_action');

    // `sandbox pay` plays the buyer; the payment settles.
    const paid = await run(process.execPath, [BIN, 'sandbox', 'pay', created.id], { env });
    expect(paid.stdout).toContain('TRADE_SUCCESS');
    await waitFor(async () => {
      const r = await fetch(`${base}/v1/payments/${created.id}`, { headers: { authorization: `Bearer ${key}` } });
      return ((await r.json()) as { status: string }).status === 'succeeded' || undefined;
    }, { what: 'demo payment succeeded' });

    // The demo endpoint received the signed webhook, verifiable with the printed secret.
    const secret = /webhook secret:\s+(whsec_\S+)/.exec(out)![1]!;
    const inbox = await waitFor(async () => {
      const r = (await (await fetch(`${base}/sandbox/webhooks/inbox`)).json()) as { data: Array<{ signature: string; body: { type: string; data: { object: { id: string } } } }> };
      return r.data.find((d) => d.body.type === 'payment.succeeded' && d.body.data.object.id === created.id);
    }, { what: 'webhook in the demo inbox' });
    expect(inbox.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(secret).toMatch(/^whsec_/);
  });

  it('sandbox pay plays the buyer for QR and redirect providers alike', async () => {
    const key = /secret key:\s+(sk_test_\S+)/.exec(out)![1]!;
    for (const [method, currency] of [['wechat_native', 'CNY'], ['unionpay_qr', 'CNY'], ['paypal', 'USD'], ['stripe', 'USD']] as const) {
      const r = await fetch(`${base}/v1/payments`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ amount: 1234, currency, method, merchant_order_id: `CLI-PAY-${method}` }) });
      expect(r.status, method).toBe(201);
      const p = (await r.json()) as { id: string };
      await run(process.execPath, [BIN, 'sandbox', 'pay', p.id], { env });
      await waitFor(async () => {
        const g = await fetch(`${base}/v1/payments/${p.id}`, { headers: { authorization: `Bearer ${key}` } });
        return ((await g.json()) as { status: string }).status === 'succeeded' || undefined;
      }, { what: `${method} payment succeeded` });
    }
  });

  it('sandbox --port serves every simulator standalone', async () => {
    const port = await freePort();
    const proc = spawn(process.execPath, [BIN, 'sandbox', '--port', String(port)], { env: { ...env, PAYGATE_DATA_DIR: path.join(dir, 'standalone') }, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let text = '';
      proc.stdout!.on('data', (d: Buffer) => { text += d.toString(); });
      await waitFor(() => text.includes('stripe simulator') || undefined, { what: 'standalone banner' });
      for (const p of ['alipay', 'wechatpay', 'unionpay', 'paypal', 'stripe']) {
        expect(text).toContain(`${p} simulator at http://127.0.0.1:${port}/sandbox/${p}`);
        const f = await fetch(`http://127.0.0.1:${port}/sandbox/${p}/_faults`);
        expect(f.status, p).toBe(200);
      }
    } finally {
      proc.kill('SIGKILL');
    }
  });

  it('merchant create --sandbox --json prints id and secret key, with sandbox accounts', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'merchant', 'create', '--name', 'CLI Shop', '--sandbox', '--json'], { env });
    const m = JSON.parse(stdout) as { id: string; secret_key: string; provider_accounts: Array<{ provider: string }> };
    expect(m.id).toMatch(/^mch_/);
    expect(m.secret_key).toMatch(/^sk_test_/);
    expect(m.provider_accounts.map((a) => a.provider).sort()).toEqual(['alipay', 'paypal', 'stripe', 'unionpay', 'wechatpay']);
    // The new merchant can take a payment through the running gateway's simulator.
    const r = await fetch(`${base}/v1/payments`, { method: 'POST', headers: { authorization: `Bearer ${m.secret_key}`, 'content-type': 'application/json' }, body: JSON.stringify({ amount: 1, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'CLI-1' }) });
    expect(r.status).toBe(201);
  });

  it('finishes an in-flight request on SIGTERM, then exits 0', async () => {
    const key = /secret key:\s+(sk_test_\S+)/.exec(out)![1]!;
    await fetch(`${base}/sandbox/alipay/_faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latency_ms: 800 }) });
    const inflight = fetch(`${base}/v1/payments`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ amount: 2, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'TERM-1' }) });
    await new Promise((r) => setTimeout(r, 200));
    const exited = new Promise<number | null>((resolve) => child.proc!.once('exit', (code) => resolve(code)));
    child.proc!.kill('SIGTERM');
    const res = await inflight;
    expect(res.status).toBe(201);
    expect(await exited).toBe(0);
  });
});
