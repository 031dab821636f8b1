/**
 * return_url (issue 11, fault 6): only https (http to loopback with a test key) is stored,
 * with VALIDATION.RETURN_URL_INVALID on field return_url; a bad value already stored is
 * never followed — /pay/{id}/return falls back to the status page and neither /status nor
 * the event stream nor the page hands it to the buyer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, sandboxMerchant, startGateway, type Gateway } from '../test-support/harness.js';

type Err = { error: { code: string; field?: string; message: string } };

describe.each(DB_KINDS)('return_url on %s', (db) => {
  let gw: Gateway;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;
  let liveKey = '';
  let n = 0;
  const create = (key: string, return_url: unknown) =>
    gw.api<{ id: string; return_url: string | null } & Err>(key, 'POST', '/v1/payments', { amount: 100, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `RU-${db}-${++n}`, return_url });
  const count = async (table: 'payments' | 'attempts' | 'jobs') => Number((await gw.rt.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll().as('c')).executeTakeFirstOrThrow()).c);

  beforeAll(async () => {
    gw = await startGateway({ db });
    m = await sandboxMerchant(gw);
    liveKey = (await gw.admin<{ secret_key: string }>('POST', `/admin/merchants/${m.id}/api_keys`, { mode: 'live' })).body.secret_key;
  });
  afterAll(async () => gw?.stop());

  it('refuses every unsafe return_url with one stable code on field return_url, before anything is written', async () => {
    const before = await Promise.all([count('payments'), count('attempts'), count('jobs')]);
    const bad = [
      'javascript:alert(document.cookie)', 'data:text/html,<script>alert(1)</script>', 'https://shop.example/\u0000x', 'http://shop.example/done',
      '//evil.example/x', 'https:\\\\evil.example', 'https://shop.example\\@evil.example/', 'https://user:pw@shop.example/', ' https://shop.example/',
      `https://shop.example/${'a'.repeat(2048)}`, 'vbscript:x', 'https:evil.example',
    ];
    for (const url of bad) {
      const r = await create(m.key, url);
      expect(r.status, JSON.stringify(url)).toBe(400);
      expect(r.body.error.code, JSON.stringify(url)).toBe('VALIDATION.RETURN_URL_INVALID');
      expect(r.body.error.field).toBe('return_url');
    }
    expect(await Promise.all([count('payments'), count('attempts'), count('jobs')])).toEqual(before);
  });

  it('accepts https in both modes and http to loopback only with a test key', async () => {
    const ok = await create(m.key, 'https://shop.example/done?o=1');
    expect(ok.status).toBe(201);
    expect(ok.body.return_url).toBe('https://shop.example/done?o=1');
    expect((await create(m.key, 'http://127.0.0.1:8080/done')).status).toBe(201);
    expect((await create(m.key, 'http://localhost:3000/done')).status).toBe(201);
    expect((await create(m.key, null)).status).toBe(201);
    const liveLoopback = await create(liveKey, 'http://localhost:3000/done');
    expect(liveLoopback.status).toBe(400);
    expect(liveLoopback.body.error).toMatchObject({ code: 'VALIDATION.RETURN_URL_INVALID', field: 'return_url' });
  });

  it('/pay/{id}/return redirects to a valid return_url', async () => {
    const p = (await create(m.key, 'https://shop.example/done?o=2')).body;
    const r = await fetch(`${gw.url}/pay/${p.id}/return?canceled=true`, { redirect: 'manual' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('https://shop.example/done?o=2');
  });

  it('a bad value stored before the rule is never followed: status page instead, nothing in /status, the stream or the page', async () => {
    const stored = ['javascript:alert(document.domain)', 'data:text/html,<h1>x</h1>', 'https://shop.example/\u0000x', 'http://evil.example/phish', '//evil.example/'];
    for (const url of stored) {
      const p = (await create(m.key, 'https://shop.example/ok')).body;
      await gw.rt.ctx.db.updateTable('payments').set({ return_url: db === 'postgres' ? url.replace('\u0000', '%00') : url }).where('id', '=', p.id).execute();
      if (db === 'postgres' && url.includes('\u0000')) continue; // PostgreSQL text cannot hold a NUL at all
      for (const q of ['?canceled=true', '']) {
        const r = await fetch(`${gw.url}/pay/${p.id}/return${q}`, { redirect: 'manual' });
        expect(r.status, url).toBe(303);
        expect(r.headers.get('location'), url).toBe(`${gw.url}/pay/${p.id}`);
      }
      await gw.rt.ctx.db.updateTable('payments').set({ status: 'succeeded' }).where('id', '=', p.id).execute();
      const status = (await (await fetch(`${gw.url}/pay/${p.id}/status`)).json()) as { status: string; return_url: string | null };
      expect(status).toEqual({ status: 'succeeded', return_url: null });
      const sse = await (await fetch(`${gw.url}/pay/${p.id}/events`)).text();
      expect(sse).toContain('"status":"succeeded"');
      expect(sse).toContain('"return_url":null');
      const page = await (await fetch(`${gw.url}/pay/${p.id}`)).text();
      expect(page).not.toContain('evil.example');
      expect(page).not.toMatch(/href="(javascript|data):/);
    }
  });

  it('a valid return_url reaches the buyer once the payment succeeded', async () => {
    const p = (await create(m.key, 'https://shop.example/thanks')).body;
    await gw.rt.ctx.db.updateTable('payments').set({ status: 'succeeded' }).where('id', '=', p.id).execute();
    const status = (await (await fetch(`${gw.url}/pay/${p.id}/status`)).json()) as { return_url: string | null };
    expect(status.return_url).toBe('https://shop.example/thanks');
  });
});
