/**
 * Cashier benchmark (issue 7): `npm run build && node dist/bench/cashier.js [1000,2000,5000]`.
 * Prints (1) the page's size over the wire (HTML + CSS + JS, plain and gzip), (2) time to
 * first contentful paint on loopback in Debian's Chromium (cold and warm cache), and (3) SSE
 * fan-out: for each N, N concurrent subscribers on one payment held by one node (a child
 * process holds the client ends), the payment is flipped to succeeded through the sandbox
 * wallet, and we time until every subscriber has the new status.
 */
import { fork } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { createRuntime } from '../runtime.js';
import { createSandboxMerchant } from '../sandbox/index.js';
import { ASSETS } from '../http/cashier/assets.js';

const SIZES = (process.argv[2] ?? '1000,2000,5000').split(',').map(Number).filter((x) => x > 0);

function rawGet(url: string, gzip: boolean): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: gzip ? { 'accept-encoding': 'gzip' } : {} }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
    }).on('error', reject);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-bench-cashier-'));
  const rt = await createRuntime({
    ...process.env, PORT: '0', HOST: '127.0.0.1', PAYGATE_DATA_DIR: dataDir, LOG_LEVEL: 'silent', PAYGATE_ADMIN_TOKEN: 'bench-admin-token-0123456789',
    PAYGATE_MASTER_KEY: crypto.randomBytes(32).toString('base64'), DATABASE_URL: '',
    // The buyer pays on the in-process simulators: on explicitly, whatever NODE_ENV the shell has.
    PAYGATE_SIMULATORS: 'true',
    // The fan-out measure puts up to 5,000 subscribers from one address on one payment: far
    // past the admission limits a real checkout gets (16 streams, 50 connects/s per address).
    PAYGATE_SSE_MAX_PER_PAYMENT: '100000', PAYGATE_SSE_MAX_STREAMS: '100000', PAYGATE_CASHIER_RATE_PER_IP: '1000000',
  });
  await rt.listen();
  const base = rt.ctx.publicUrl();
  const merchant = await createSandboxMerchant(rt.ctx, rt.simulators, 'Bench Tea House');
  let n = 0;
  const createPayment = async () => {
    const res = await fetch(`${base}/v1/payments`, {
      method: 'POST', headers: { authorization: `Bearer ${merchant.secret_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 8888, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `BENCH-${Date.now()}-${++n}`, description: 'Jasmine tea 500 g' }),
    });
    return (await res.json()) as { id: string; next_action: { qr_code: string } };
  };

  try {
    // 1. Size over the wire.
    const p = await createPayment();
    const page = `${base}/pay/${p.id}`;
    const sizes = {
      html: [await rawGet(page, false), await rawGet(page, true)],
      css: [await rawGet(base + ASSETS.css.path, false), await rawGet(base + ASSETS.css.path, true)],
      js: [await rawGet(base + ASSETS.js.path, false), await rawGet(base + ASSETS.js.path, true)],
    };
    const total = (i: 0 | 1) => sizes.html[i]!.bytes + sizes.css[i]!.bytes + sizes.js[i]!.bytes;
    console.log('page size over the wire (body bytes)    plain    gzip');
    for (const [k, v] of Object.entries(sizes)) console.log(`  ${k.padEnd(37)}${String(v[0]!.bytes).padStart(7)} ${String(v[1]!.bytes).padStart(7)}`);
    console.log(`  ${'total (first visit)'.padEnd(37)}${String(total(0)).padStart(7)} ${String(total(1)).padStart(7)}`);

    // 2. First contentful paint.
    const browser = await chromium.launch({ executablePath: process.env.PAYGATE_CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    const fcp = { cold: [] as number[], warm: [] as number[] };
    for (let i = 0; i < 7; i++) {
      const ctx = await browser.newContext({ viewport: { width: 375, height: 812 } });
      const tab = await ctx.newPage();
      for (const kind of ['cold', 'warm'] as const) {
        await tab.goto(page, { waitUntil: 'load' });
        const ms = await tab.evaluate<number>(`new Promise((resolve) => {
          const e = performance.getEntriesByName('first-contentful-paint')[0];
          if (e) return resolve(e.startTime);
          new PerformanceObserver((l) => resolve(l.getEntries()[0].startTime)).observe({ type: 'paint', buffered: true });
        })`);
        if (i > 0) fcp[kind].push(ms); // the first round warms Chromium itself
      }
      await ctx.close();
    }
    await browser.close();
    console.log(`first contentful paint, loopback, 375 px: cold cache median ${median(fcp.cold).toFixed(0)} ms, warm cache median ${median(fcp.warm).toFixed(0)} ms (n=${fcp.cold.length})`);

    // 3. SSE fan-out.
    console.log('SSE fan-out (one node, one payment)       subscribers  connect_ms  push_all_ms  p50_ms  missed');
    for (const size of SIZES) {
      const pay = await createPayment();
      const child = fork(new URL('./cashier-sse-client.js', import.meta.url), [], { stdio: 'inherit' });
      const next = () => new Promise<Record<string, unknown>>((resolve) => child.once('message', (m) => resolve(m as Record<string, unknown>)));
      child.send({ open: `${base}/pay/${pay.id}/events`, n: size, want: 'succeeded' });
      const ready = await next();
      const held = rt.ctx.statusBus?.listenerCount() ?? 0;
      const t0 = Date.now();
      let published = 0;
      const bus = rt.ctx.statusBus;
      const original = bus?.publish.bind(bus);
      if (bus && original) bus.publish = (id, s) => { if (id === pay.id && s === 'succeeded') published = Date.now(); original(id, s); };
      const paid = await fetch(`${base}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: pay.next_action.qr_code, outcome: 'success' }) });
      if (paid.status !== 200) throw new Error(`pay failed: ${paid.status}`);
      const done = await next();
      if (bus && original) bus.publish = original;
      const times = (done.times as number[]).map((t) => t - (published || t0));
      console.log(`  ${String(size).padEnd(40)}${String(held).padStart(11)} ${String(ready.ms).padStart(11)} ${String(Math.max(...times)).padStart(12)} ${String(median(times)).padStart(7)} ${String(Number(ready.ready) - times.length + Number(ready.failed)).padStart(7)}`);
      console.log(`    (from the wallet's Pay to the publish: ${published ? published - t0 : 'n/a'} ms; push times measured from the publish)`);
      child.kill();
    }
  } finally {
    await rt.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
