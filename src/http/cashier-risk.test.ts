/**
 * The hosted cashier and risk control over plain HTTP, on SQLite and PostgreSQL: the page of
 * an open payment sets the cashier's device cookie (reused when sent back, replaced when
 * malformed) and fills the payment's missing client_ip / device_id — never the merchant's own;
 * with a risk configuration it also links them in the graph. A payment held for review shows
 * the review section, and /status and the event stream say requires_review.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, sandboxMerchant, startGateway, type Gateway } from '../test-support/harness.js';

interface Payment { id: string; status: string; client_ip: string | null; device_id: string | null; next_action: { qr_code?: string } | null; risk: { review_id: string | null } | null }

const LOOPBACK = ['127.0.0.1', '::ffff:127.0.0.1'];
const COOKIE = /^paygate_device=(pgd_[A-Za-z0-9_-]{22}); Max-Age=31536000; Path=\/pay; HttpOnly; SameSite=Lax$/;

/** The first data frame of the payment's event stream. */
async function firstEvent(url: string): Promise<unknown> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before a data frame: ${text}`);
      text += decoder.decode(value, { stream: true });
      const m = /^data: (.*)$/m.exec(text);
      if (m) return JSON.parse(m[1]!);
    }
  } finally {
    ac.abort();
  }
}

describe.each(DB_KINDS)('cashier as a risk input (%s)', (db) => {
  let gw: Gateway;
  let plain: Awaited<ReturnType<typeof sandboxMerchant>>;
  let ruled: Awaited<ReturnType<typeof sandboxMerchant>>;
  let order = 0;

  beforeAll(async () => {
    gw = await startGateway({ db });
    [plain, ruled] = [await sandboxMerchant(gw), await sandboxMerchant(gw)];
    const put = await gw.admin('PUT', `/admin/merchants/${ruled.id}/risk/rules`, { rules: [{ name: 'large', when: 'amount >= 100000', action: 'review', mode: 'active' }] });
    expect(put.status).toBe(200);
  }, 60_000);
  afterAll(async () => { await gw?.stop(); });

  const create = async (key: string, extra: Record<string, unknown> = {}) => {
    const r = await gw.api<Payment>(key, 'POST', '/v1/payments', { amount: 8888, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `CR-${db}-${++order}`, ...extra });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };
  const payment = async (key: string, id: string) => (await gw.api<Payment>(key, 'GET', `/v1/payments/${id}`)).body;
  const page = (id: string, cookie?: string, query = '') => fetch(`${gw.url}/pay/${id}${query}`, { headers: cookie ? { cookie } : {} });
  const edgesOf = (merchantId: string) =>
    gw.rt.ctx.db.selectFrom('risk_edges').select(['a_kind', 'a_value', 'b_kind', 'b_value']).where('merchant_id', '=', merchantId).execute();

  it('sets the device cookie, fills client_ip and device_id, and reuses the cookie when sent back', async () => {
    const p = await create(plain.key);
    expect(p).toMatchObject({ status: 'requires_action', client_ip: null, device_id: null });
    const first = await page(p.id);
    expect(first.status).toBe(200);
    const set = first.headers.get('set-cookie') ?? '';
    const device = COOKIE.exec(set)?.[1];
    expect(device, set).toBeDefined();
    const after = await payment(plain.key, p.id);
    expect(LOOPBACK).toContain(after.client_ip);
    expect(after.device_id).toBe(device);

    // Sent back: no new cookie, and the next payment from this browser gets the same device.
    const again = await page(p.id, `other=1; paygate_device=${device}`);
    expect(again.status).toBe(200);
    expect(again.headers.get('set-cookie')).toBeNull();
    const q = await create(plain.key);
    expect((await page(q.id, `paygate_device=${device}`)).headers.get('set-cookie')).toBeNull();
    expect((await payment(plain.key, q.id)).device_id).toBe(device);

    // No risk configuration: nothing is written to the graph.
    expect(await edgesOf(plain.id)).toEqual([]);
  });

  it('replaces a malformed cookie with a new one', async () => {
    const p = await create(plain.key);
    const r = await page(p.id, 'paygate_device=pgd_short');
    const device = COOKIE.exec(r.headers.get('set-cookie') ?? '')?.[1];
    expect(device).toBeDefined();
    expect((await payment(plain.key, p.id)).device_id).toBe(device);
  });

  it("keeps the merchant's own client_ip and device_id", async () => {
    const p = await create(plain.key, { client_ip: '203.0.113.7', device_id: 'dev_merchant_1' });
    expect((await page(p.id)).status).toBe(200);
    expect(await payment(plain.key, p.id)).toMatchObject({ client_ip: '203.0.113.7', device_id: 'dev_merchant_1' });
    // Only one given: the other is filled.
    const q = await create(plain.key, { device_id: 'dev_merchant_2' });
    await page(q.id);
    const after = await payment(plain.key, q.id);
    expect(after.device_id).toBe('dev_merchant_2');
    expect(LOOPBACK).toContain(after.client_ip);
  });

  it('behind a trusted proxy (loopback, the default): the forwarded address, and a Secure cookie over https', async () => {
    const p = await create(plain.key);
    const r = await fetch(`${gw.url}/pay/${p.id}`, { headers: { 'x-forwarded-for': '198.51.100.9', 'x-forwarded-proto': 'https' } });
    const set = r.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/^paygate_device=pgd_[A-Za-z0-9_-]{22}; Max-Age=31536000; Path=\/pay; HttpOnly; SameSite=Lax; Secure$/);
    expect((await payment(plain.key, p.id)).client_ip).toBe('198.51.100.9');
  });

  it('leaves a closed payment alone: no cookie, nothing filled', async () => {
    const p = await create(plain.key);
    expect((await gw.api(plain.key, 'POST', `/v1/payments/${p.id}/cancel`)).status).toBe(200);
    const r = await page(p.id);
    expect(r.status).toBe(200);
    expect(r.headers.get('set-cookie')).toBeNull();
    expect(await payment(plain.key, p.id)).toMatchObject({ status: 'canceled', client_ip: null, device_id: null });
  });

  it("with risk rules, links the cashier's address and device with the payment's entities", async () => {
    const p = await create(ruled.key, { customer: { id: `cus-${db}-1` }, device_id: 'dev_merchant_3' });
    const r = await page(p.id);
    const device = COOKIE.exec(r.headers.get('set-cookie') ?? '')?.[1] ?? '';
    expect(device).not.toBe('');
    const after = await payment(ruled.key, p.id);
    expect(after.device_id).toBe('dev_merchant_3');
    const ip = after.client_ip ?? '';
    expect(LOOPBACK).toContain(ip);
    const links = new Set((await edgesOf(ruled.id)).map((e) => `${e.a_kind}:${e.a_value}>${e.b_kind}:${e.b_value}`));
    const nodes = [`customer:cus-${db}-1`, 'device:dev_merchant_3', `device:${device}`, `ip:${ip}`];
    for (const a of nodes) for (const b of nodes) if (a !== b) expect(links, `${a}>${b}`).toContain(`${a}>${b}`);
  });

  it('a payment held for review: the page shows the review section, /status and the stream say requires_review', async () => {
    const p = await create(ruled.key, { amount: 120000 });
    expect(p).toMatchObject({ status: 'requires_review', next_action: null });
    const r = await page(p.id);
    expect(r.status).toBe(200);
    expect(r.headers.get('set-cookie')).toMatch(COOKIE);
    const html = await r.text();
    expect(html).toMatch(/<section data-state="review" class="outcome wait">/);
    expect(html).toContain('Your payment is being reviewed');
    expect(html).toMatch(/<section data-state="open" hidden/);
    expect(html).not.toContain('class="qr"');
    expect(html).toMatch(/<time class="remaining">\d+:\d\d<\/time>/);
    expect(html).toContain('data-status="requires_review"');
    expect(await (await page(p.id, undefined, '?lang=zh-CN')).text()).toContain('您的付款正在审核中');

    expect(await (await fetch(`${gw.url}/pay/${p.id}/status`)).json()).toEqual({ status: 'requires_review', return_url: null });
    expect(await firstEvent(`${gw.url}/pay/${p.id}/events`)).toEqual({ status: 'requires_review', return_url: null });

    // Approved: the page is payable, with its QR code.
    const ok = await gw.admin<{ payment: Payment }>('POST', `/admin/reviews/${p.risk!.review_id!}/approve`, {});
    expect(ok.status).toBe(200);
    const payable = await (await page(p.id)).text();
    expect(payable).toContain('class="qr"');
    expect(payable).toMatch(/<section data-state="review" class="outcome wait" hidden>/);
  });
});
