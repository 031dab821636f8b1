/**
 * Fault 7 of issue 11: every unauthenticated GET /pay/{id}/return made a signed provider
 * query (150 GETs → 150 queries). Buyer-triggered queries are now coalesced per payment and
 * rate limited per payment and node (app/buyer-query.ts); an approved PayPal order is still
 * captured on return. Provider calls are counted at the transport. Polls are pushed out of
 * the way (time scale 1: the first poll is a minute away), so every call seen is the buyer's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireRequest } from '../connectors/types.js';
import { BUYER_QUERY_INTERVAL_MS } from '../app/buyer-query.js';
import { DB_KINDS, sandboxMerchant, startGateway, type Gateway } from '../test-support/harness.js';

type Payment = { id: string; status: string; next_action: { type: string; url: string } | null };

describe.each(DB_KINDS)('buyer-triggered provider queries on %s', (db) => {
  let gw: Gateway;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;
  let n = 0;
  const sent: WireRequest[] = [];
  const ordersQueried = (orderId: string) => sent.filter((r) => r.method === 'GET' && r.url.endsWith(`/v2/checkout/orders/${orderId}`)).length;
  const create = async (method = 'paypal', currency = 'USD') =>
    (await gw.api<Payment>(m.key, 'POST', '/v1/payments', { amount: 1999, currency, method, merchant_order_id: `BQ-${db}-${++n}`, return_url: 'https://shop.example/back' })).body;
  const orderIdOf = (p: Payment) => new URL(p.next_action!.url).searchParams.get('token')!;
  const back = async (id: string, query = '') => {
    const r = await fetch(`${gw.url}/pay/${id}/return${query}`, { redirect: 'manual' });
    await r.arrayBuffer();
    return { status: r.status, location: r.headers.get('location') };
  };

  beforeAll(async () => {
    // The per-address cashier budget is lifted: an attacker with many addresses gets past it,
    // and what is tested here is the per-payment bound behind it.
    gw = await startGateway({ db, env: { PAYGATE_TIME_SCALE: '1', PAYGATE_CASHIER_RATE_PER_IP: '1000000', PAYGATE_CASHIER_MAX_INFLIGHT: '1000000' } });
    m = await sandboxMerchant(gw);
    const transport = gw.rt.ctx.transport;
    const send = transport.send.bind(transport);
    transport.send = (req, ...rest) => {
      sent.push(req);
      return send(req, ...rest);
    };
  });
  afterAll(async () => gw?.stop());

  it('150 concurrent and then 150 sequential returns for one payment make one provider query, and all redirect', async () => {
    const p = await create();
    const orderId = orderIdOf(p);
    const before = ordersQueried(orderId);
    const burst = await Promise.all(Array.from({ length: 150 }, () => back(p.id)));
    for (const r of burst) expect(r).toEqual({ status: 303, location: 'https://shop.example/back' });
    for (let i = 0; i < 150; i++) expect((await back(p.id)).status).toBe(303);
    expect(ordersQueried(orderId) - before).toBe(1);
    // Another payment is its own budget.
    const other = await create();
    await back(other.id);
    expect(ordersQueried(orderIdOf(other))).toBe(1);
  });

  it('after the interval the payment may be queried again, once', async () => {
    const p = await create();
    await back(p.id);
    const realNow = gw.rt.ctx.now;
    gw.rt.ctx.now = () => realNow() + BUYER_QUERY_INTERVAL_MS + 1;
    try {
      await Promise.all(Array.from({ length: 20 }, () => back(p.id)));
    } finally {
      gw.rt.ctx.now = realNow;
    }
    expect(ordersQueried(orderIdOf(p))).toBe(2);
  });

  it('a canceled return asks nothing; QR payments (Alipay) are coalesced the same way', async () => {
    const p = await create();
    await Promise.all(Array.from({ length: 30 }, () => back(p.id, '?canceled=true')));
    expect(ordersQueried(orderIdOf(p))).toBe(0);
    const qr = await create('alipay_qr', 'CNY');
    const before = sent.length;
    await Promise.all(Array.from({ length: 50 }, () => back(qr.id)));
    expect(sent.length - before).toBe(1);
  });

  it('an approved PayPal order is captured on return, once, even when the buyer comes back many times at once', async () => {
    const p = await create();
    const orderId = orderIdOf(p);
    const sim = `${gw.url}/sandbox/paypal`;
    const decide = await fetch(`${sim}/checkoutnow/decide`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${orderId}&outcome=success` });
    expect(decide.status).toBe(303);
    const returns = await Promise.all(Array.from({ length: 25 }, () => back(p.id, new URL(decide.headers.get('location')!).search)));
    for (const r of returns) expect(r.location).toBe('https://shop.example/back');
    // Everyone waited for the one query, whose capture settled the payment before they were redirected.
    const status = (await gw.api<Payment>(m.key, 'GET', `/v1/payments/${p.id}`)).body.status;
    expect(status).toBe('succeeded');
    const so = (await (await fetch(`${sim}/_admin/orders/${orderId}`)).json()) as { captures: number };
    expect(so.captures).toBe(1);
    expect(ordersQueried(orderId)).toBe(1);
  });
});
