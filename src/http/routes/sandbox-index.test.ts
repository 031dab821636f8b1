/**
 * GET /sandbox: one page (zh-CN / en, like the cashier) that links every simulator's fault
 * switch, the wallet page of each sandbox payment waiting for a buyer, and the webhook
 * inbox — on the gateway and on `paygate sandbox --port`. POST /admin/sandbox/payments/{id}/pay
 * needs the admin token.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, sandboxMerchant, startGateway, type Gateway } from '../../test-support/harness.js';
import { startSandboxServer } from '../../cli/sandbox-server.js';

const PROVIDERS = ['alipay', 'wechatpay', 'unionpay', 'paypal', 'stripe'];
const hrefs = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));

describe('/sandbox index', () => {
  let gw: Gateway;
  let key: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    gw = await startGateway({ db: 'sqlite' });
    key = (await sandboxMerchant(gw)).key;
    for (const [method, currency] of [['alipay_qr', 'CNY'], ['wechat_native', 'CNY'], ['unionpay_qr', 'CNY'], ['paypal', 'USD'], ['stripe', 'USD']] as const) {
      const p = await gw.api<{ id: string }>(key, 'POST', '/v1/payments', { amount: 888, currency, method, merchant_order_id: `IDX-${method}` });
      expect(p.status).toBe(201);
      ids[method] = p.body.id;
    }
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('links every simulator, its fault switch, the wallet page of each waiting payment and the webhook inbox — and every link opens', async () => {
    const res = await fetch(`${gw.url}/sandbox`, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-language')).toBe('zh-CN');
    const html = await res.text();
    expect(html).toContain('<html lang="zh-CN">');
    for (const name of ['支付宝', '微信支付', '银联', 'PayPal', 'Stripe']) expect(html).toContain(name);
    const links = hrefs(html);
    for (const p of PROVIDERS) expect(links).toContain(`/sandbox/${p}/_faults`);
    expect(links).toContain('/sandbox/webhooks/inbox');
    for (const id of Object.values(ids)) expect(links).toContain(`/pay/${id}`);
    // One wallet page per waiting payment, on that payment's simulator.
    const wallets = [...html.matchAll(/<a href="([^"]+)" data-provider="(\w+)">/g)].map((m) => ({ url: m[1]!.replace(/&amp;/g, '&'), provider: m[2]! }));
    expect(wallets.map((w) => w.provider).sort()).toEqual([...PROVIDERS].sort());
    for (const w of wallets) expect(w.url.startsWith(`${gw.url}/sandbox/${w.provider}/`), w.url).toBe(true);
    for (const href of [...links.filter((l) => l.startsWith('/')).map((l) => gw.url + l), ...wallets.map((w) => w.url)]) {
      const r = await fetch(href, { redirect: 'manual' });
      expect(r.status, href).toBe(200);
    }
  });

  it('speaks English when asked (?lang=en wins over Accept-Language) and drops a payment once it is paid', async () => {
    const paid = await fetch(`${gw.url}/admin/sandbox/payments/${ids.alipay_qr}/pay`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    expect(paid.status).toBe(200);
    expect(((await paid.json()) as { trade_status: string }).trade_status).toBe('TRADE_SUCCESS');
    const deadline = Date.now() + 10_000;
    let html = '';
    while (Date.now() < deadline) {
      html = await (await fetch(`${gw.url}/sandbox?lang=en`, { headers: { 'accept-language': 'zh-CN' } })).text();
      if (!html.includes(ids.alipay_qr!)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Paygate sandbox');
    expect(html).toContain('Payments waiting for a buyer');
    expect(html).not.toContain(ids.alipay_qr!);
    expect(html).toContain(ids.wechat_native!);
  });

  it('POST /admin/sandbox/payments/{id}/pay needs the admin token and a known outcome', async () => {
    const url = `${gw.url}/admin/sandbox/payments/${ids.stripe}/pay`;
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    const bad = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{"outcome":"maybe"}' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'VALIDATION.INVALID_BODY', field: 'outcome' });
  });

  it('is served by `paygate sandbox --port` too, listing its simulators (no inbox there)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-sandbox-index-'));
    const sims = await startSandboxServer({ port: 0, host: '127.0.0.1', dataDir: dir, timeScale: 0.001 });
    try {
      const html = await (await fetch(`${sims.url}/sandbox`)).text();
      const links = hrefs(html);
      for (const p of PROVIDERS) expect(links).toContain(`/sandbox/${p}/_faults`);
      expect(links).not.toContain('/sandbox/webhooks/inbox');
    } finally {
      await sims.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
