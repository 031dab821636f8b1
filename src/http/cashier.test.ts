/**
 * The cashier over plain HTTP (no browser): what the page reveals and withholds, security
 * and cache headers, language negotiation, the SSE stream fed by the status bus (one shared
 * hub entry per payment, current status on connect, terminal status ends the stream), and
 * the JSON polling fallback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStatusBus } from '../infra/events/bus.js';
import { sandboxMerchant, startGateway, waitFor, type Gateway } from '../test-support/harness.js';
import { ASSETS } from './cashier/assets.js';
import { formatAmount } from './cashier/format.js';
import { pickLang } from './cashier/i18n.js';

type Payment = { id: string; status: string; next_action: { qr_code: string } | null };

describe('pure pieces', () => {
  it('pickLang: ?lang wins, then the best Accept-Language we speak, else English', () => {
    expect(pickLang('zh-cn', 'en')).toBe('zh-CN');
    expect(pickLang('fr', 'zh-TW,zh;q=0.9')).toBe('zh-CN');
    expect(pickLang(undefined, 'fr-FR,en;q=0.5,zh;q=0.8')).toBe('zh-CN');
    expect(pickLang(undefined, 'de, en-GB;q=0.9')).toBe('en');
    expect(pickLang(undefined, 'zh;q=0, en;q=0.1')).toBe('en');
    expect(pickLang(undefined, undefined)).toBe('en');
  });

  it('formatAmount uses the currency minor units, never floats', () => {
    expect(formatAmount(8888, 'CNY', 'zh-CN')).toBe('¥88.88');
    expect(formatAmount(500, 'JPY', 'en')).toBe('¥500');
    expect(formatAmount(1234, 'KWD', 'en')).toMatch(/1\.234$/);
    expect(formatAmount(900719925474099, 'USD', 'en')).toBe('$9,007,199,254,740.99');
  });

  it('LocalStatusBus: fan-out per payment, unsubscribe, upstream hooks, close', () => {
    const first: string[] = [];
    const last: string[] = [];
    const bus = new LocalStatusBus({ onFirstListener: (id) => first.push(id), onLastListener: (id) => last.push(id) });
    const got: string[] = [];
    let closed = 0;
    const a = bus.subscribe('p1', (s) => got.push(`a:${s}`), () => closed++);
    bus.subscribe('p1', (s) => got.push(`b:${s}`), () => closed++);
    bus.subscribe('p2', () => { throw new Error('a broken listener'); }, () => closed++);
    expect(first).toEqual(['p1', 'p2']);
    expect(bus.listenerCount()).toBe(3);
    bus.publish('p1', 'processing');
    bus.publish('p2', 'succeeded'); // throws inside, swallowed
    a();
    a();
    bus.publish('p1', 'succeeded');
    expect(got).toEqual(['a:processing', 'b:processing', 'b:succeeded']);
    expect(bus.listenerCount()).toBe(2);
    bus.close();
    expect(closed).toBe(2);
    expect(bus.listenerCount()).toBe(0);
    let late = 0;
    bus.subscribe('p3', () => undefined, () => late++);
    expect(late).toBe(1);
    expect(last).toEqual([]);
  });
});

describe('cashier over HTTP', () => {
  let gw: Gateway;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;
  let n = 0;
  beforeAll(async () => {
    gw = await startGateway({ db: 'sqlite' });
    m = await sandboxMerchant(gw);
  });
  afterAll(async () => gw?.stop());

  const create = async (extra: Record<string, unknown> = {}) =>
    (await gw.api<Payment>(m.key, 'POST', '/v1/payments', { amount: 8888, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `H-${++n}`, description: '<script>alert(1)</script>', metadata: { secret_note: 'xyz' }, return_url: 'https://shop.example/done', ...extra })).body;

  /** A new payment's status stream, with the bus's listener count from before it was opened. */
  const subscribe = async () => {
    const p = await create();
    const bus = gw.rt.ctx.statusBus!;
    const before = bus.listenerCount();
    const ac = new AbortController();
    const res = await fetch(`${gw.url}/pay/${p.id}/events`, { signal: ac.signal });
    return { p, bus, before, ac, res };
  };

  it('page: escaped, minimal, security headers, hashed assets, gzip', async () => {
    const p = await create();
    const res = await fetch(`${gw.url}/pay/${p.id}`, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('content-language')).toBe('zh-CN');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('<svg aria-hidden="true"');
    expect(html).not.toMatch(/<script>(?!<\/script>)|<style>| style="/); // nothing inline for the CSP to allow
    for (const hidden of [m.id, 'secret_note', `H-${n}`, 'att_', 'shop.example']) expect(html).not.toContain(hidden);

    for (const a of Object.values(ASSETS)) {
      expect(html).toContain(a.path);
      const r = await fetch(gw.url + a.path);
      expect(r.status).toBe(200);
      expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const again = await fetch(gw.url + a.path, { headers: { 'if-none-match': r.headers.get('etag') ?? '' } });
      expect(again.status).toBe(304);
    }
    expect((await fetch(`${gw.url}/pay/assets/cashier.deadbeef.js`)).status).toBe(404);
  });

  it('unknown and malformed ids: 404 page, 404 JSON for status and events', async () => {
    for (const id of ['pay_00000000000000000000000000', '..%2F..%2Fetc', 'pay_<b>']) {
      const page = await fetch(`${gw.url}/pay/${id}`);
      expect(page.status).toBe(404);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).not.toContain('<b>');
      expect((await fetch(`${gw.url}/pay/${id}/status`)).status).toBe(404);
      expect((await fetch(`${gw.url}/pay/${id}/events`)).status).toBe(404);
    }
  });

  it('events: current status on connect, pushed change, terminal ends the stream; status JSON agrees', async () => {
    const { p, bus, before, res } = await subscribe();
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const frames: string[] = [];
    const read = async () => {
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += Buffer.from(value).toString('utf8');
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (frame.startsWith('data: ')) frames.push(frame.slice(6));
        }
      }
    };
    const done = read();
    await waitFor(() => frames.length >= 1, { what: 'initial frame' });
    expect(JSON.parse(frames[0]!)).toEqual({ status: 'requires_action', return_url: null });
    expect(bus.listenerCount()).toBe(before + 1);

    const paid = await fetch(`${gw.url}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: p.next_action!.qr_code, outcome: 'success' }) });
    expect(paid.status).toBe(200);
    await done; // the stream ends after the terminal status
    expect(frames.map((f) => (JSON.parse(f) as { status: string }).status).at(-1)).toBe('succeeded');
    expect(JSON.parse(frames.at(-1)!)).toEqual({ status: 'succeeded', return_url: 'https://shop.example/done' });
    await waitFor(() => bus.listenerCount() === before, { what: 'listener cleanup' });
    expect(await (await fetch(`${gw.url}/pay/${p.id}/status`)).json()).toEqual({ status: 'succeeded', return_url: 'https://shop.example/done' });

    // A terminal payment: one frame, then the stream ends at once.
    const again = await fetch(`${gw.url}/pay/${p.id}/events`);
    expect(await again.text()).toBe(`retry: 2000\n\ndata: ${JSON.stringify({ status: 'succeeded', return_url: 'https://shop.example/done' })}\n\n`);
  });

  it('a client that goes away is unsubscribed', async () => {
    const { bus, before, ac, res } = await subscribe();
    await res.body!.getReader().read();
    expect(bus.listenerCount()).toBe(before + 1);
    ac.abort();
    await waitFor(() => bus.listenerCount() === before, { what: 'cleanup after abort' });
  });
});
