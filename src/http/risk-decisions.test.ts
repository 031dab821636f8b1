/**
 * Risk decisions on create through HTTP (docs/risk.md), on SQLite and PostgreSQL: every rule
 * kind with a payment on each side of its threshold — per transaction, daily limits,
 * velocity, lists (CIDR, allow over block), geo, the link graph (one device, five customers;
 * two hops from a blocked device), behaviour — and shadow mode changing nothing. A block is
 * 402 RISK.BLOCKED with the payment stored failed and no provider call; a review holds it in
 * requires_review with no QR code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observePayment } from '../app/payment-transitions.js';
import { DB_KINDS, sandboxMerchant, startGateway, waitFor, type Gateway } from '../test-support/harness.js';

interface Risk { action: string; score: number; rules: Array<{ name: string; action: string; mode: string }>; shadow_action: string; lists: Array<{ list: string; value: string }>; score_parts: Record<string, number>; review_id: string | null }
interface Payment { id: string; status: string; failure_code: string | null; failure_message: string | null; next_action: { qr_code?: string } | null; attempts: unknown[]; risk: Risk | null }
interface Err { error: { code: string; message: string; payment_id?: string; rules?: string[]; score?: number } }
type Rule = { name: string; when: string; action: 'allow' | 'review' | 'block'; mode?: 'active' | 'shadow'; score?: number };

describe.each(DB_KINDS)('risk decisions on create (%s)', (db) => {
  let gw: Gateway;
  let order = 0;

  beforeAll(async () => { gw = await startGateway({ db }); }, 60_000);
  afterAll(async () => { await gw?.stop(); });

  /** A fresh merchant with these rules (and list entries). */
  async function shop(rules: Rule[], entries: unknown[] = [], force = false) {
    const m = await sandboxMerchant(gw);
    const put = await gw.admin('PUT', `/admin/merchants/${m.id}/risk/rules`, { rules: rules.map((r) => ({ mode: 'active', ...r })), force });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    if (entries.length) expect((await gw.admin('POST', `/admin/merchants/${m.id}/risk/lists`, { entries })).status).toBe(200);
    const create = (extra: Record<string, unknown> = {}) => gw.api<Payment & Err>(m.key, 'POST', '/v1/payments', { amount: 1000, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `RISK-${db}-${++order}`, ...extra });
    return { ...m, create };
  }

  const expectAllowed = (r: { status: number; body: Payment & Err }) => {
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.status).toBe('requires_action');
    expect(r.body.next_action?.qr_code).toBeTruthy();
    expect(r.body.risk?.action).toBe('allow');
  };
  const expectBlocked = async (r: { status: number; body: Payment & Err }, key: string, rule?: string) => {
    expect(r.status, JSON.stringify(r.body)).toBe(402);
    expect(r.body.error.code).toBe('RISK.BLOCKED');
    if (rule) expect(r.body.error.rules).toContain(rule);
    const id = r.body.error.payment_id!;
    const p = (await gw.api<Payment>(key, 'GET', `/v1/payments/${id}`)).body;
    expect(p).toMatchObject({ status: 'failed', failure_code: 'RISK.BLOCKED', next_action: null, attempts: [] });
    expect(p.risk?.action).toBe('block');
    return p;
  };
  const expectReview = (r: { status: number; body: Payment & Err }, rule?: string) => {
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ status: 'requires_review', next_action: null, attempts: [] });
    expect(r.body.risk?.action).toBe('review');
    expect(r.body.risk?.review_id).toMatch(/^rev_/);
    if (rule) expect(r.body.risk?.rules.map((x) => x.name)).toContain(rule);
  };

  it('per transaction: up to the threshold goes to the provider, above it is blocked before any provider call and stored failed', async () => {
    const s = await shop([{ name: 'too_big', when: 'amount > 50000', action: 'block' }]);
    expectAllowed(await s.create({ amount: 50000 }));
    const blocked = await expectBlocked(await s.create({ amount: 50001 }), s.key, 'too_big');
    expect(blocked.failure_message).toContain('too_big');
    // The merchant hears of it like any failure; the sandbox provider never saw the order.
    const events = await gw.rt.ctx.db.selectFrom('events').select('type').where('object_id', '=', blocked.id).execute();
    expect(events.map((e) => e.type)).toEqual(['payment.failed']);
    const jobs = await gw.rt.ctx.db.selectFrom('jobs').select('kind').where('ref_id', '=', blocked.id).execute();
    expect(jobs).toEqual([]);
    // The same order again answers the same 402, not a new payment.
    const again = await gw.api<Err>(s.key, 'POST', '/v1/payments', { amount: 50001, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `RISK-${db}-${order}` });
    expect(again.status).toBe(402);
    expect(again.body.error.payment_id).toBe(blocked.id);
  });

  it('daily limit per customer: the payment that would take the day past the limit is blocked; another customer is not', async () => {
    const s = await shop([{ name: 'daily_cap', when: 'limits.customer_day_amount + amount > 100000', action: 'block' }]);
    expectAllowed(await s.create({ amount: 60000, customer: { id: 'c-limit' } }));
    expectAllowed(await s.create({ amount: 40000, customer: { id: 'c-limit' } }));
    await expectBlocked(await s.create({ amount: 1, customer: { id: 'c-limit' } }), s.key, 'daily_cap');
    expectAllowed(await s.create({ amount: 90000, customer: { id: 'c-other' } }));
  });

  it('daily count per merchant', async () => {
    // A count of 3 is below what the built-in sample payments carry: force says the merchant means it.
    const s = await shop([{ name: 'merchant_cap', when: 'limits.merchant_day_count >= 3', action: 'review' }], [], true);
    for (let i = 0; i < 3; i++) expectAllowed(await s.create());
    expectReview(await s.create(), 'merchant_cap');
  });

  it('velocity per device: the first three in an hour pass, the fourth goes to review; another device is not counted with it', async () => {
    const s = await shop([{ name: 'device_burst', when: 'velocity.device.count_1h >= 3', action: 'review' }]);
    for (let i = 0; i < 3; i++) expectAllowed(await s.create({ device_id: 'dev-burst' }));
    expectReview(await s.create({ device_id: 'dev-burst' }), 'device_burst');
    expectAllowed(await s.create({ device_id: 'dev-calm' }));
  });

  it('velocity of amount per e-mail', async () => {
    const s = await shop([{ name: 'email_amount', when: 'velocity.email.amount_24h + amount > 5000', action: 'block' }]);
    expectAllowed(await s.create({ amount: 3000, customer: { email: 'Buyer@Example.com' } }));
    expectAllowed(await s.create({ amount: 2000, customer: { email: 'buyer@example.com' } }));
    await expectBlocked(await s.create({ amount: 1, customer: { email: 'BUYER@example.com' } }), s.key, 'email_amount');
  });

  it('lists: a blocked CIDR blocks every address in it and none outside; an allow entry wins over a block rule; a country list reviews', async () => {
    const s = await shop([{ name: 'big', when: 'amount > 10000', action: 'block' }], [
      { list: 'ip', action: 'block', value: '198.51.100.0/24' },
      { list: 'customer', action: 'allow', value: 'vip-1' },
      { list: 'country', action: 'review', value: 'NG' },
    ]);
    const hit = await expectBlocked(await s.create({ client_ip: '198.51.100.77' }), s.key);
    expect(hit.risk?.lists).toEqual([expect.objectContaining({ list: 'ip', value: '198.51.100.0/24' })]);
    expectAllowed(await s.create({ client_ip: '198.51.101.1' }));
    expectAllowed(await s.create({ amount: 20000, customer: { id: 'vip-1' } }));
    await expectBlocked(await s.create({ amount: 20000, customer: { id: 'vip-2' } }), s.key, 'big');
    expectReview(await s.create({ payer_country: 'NG' }));
  });

  it('geo: the IP\'s country differs from payer_country → review (with the geo part of the score); the same country passes', async () => {
    const s = await shop([{ name: 'geo_mismatch', when: 'ip_country != payer_country', action: 'review' }]);
    const away = await s.create({ client_ip: '8.8.8.8', payer_country: 'CN' });
    expectReview(away, 'geo_mismatch');
    expect(away.body.risk?.score_parts.geo).toBe(20);
    expectAllowed(await s.create({ client_ip: '8.8.8.8', payer_country: 'US' }));
    expectAllowed(await s.create({ client_ip: '8.8.8.8' })); // payer_country from the IP

    // Countries a method is not offered in: Alipay QR only from mainland China, Hong Kong and Macau.
    const byMethod = await shop([{ name: 'alipay_region', when: 'method == "alipay_qr" && !(ip_country in ["CN", "HK", "MO"])', action: 'block' }], [], true);
    await expectBlocked(await byMethod.create({ client_ip: '8.8.8.8' }), byMethod.key, 'alipay_region');
    expectAllowed(await byMethod.create({ client_ip: '1.2.4.8' }));
  });

  it('link graph: the fifth customer on one device is blocked; a customer two hops from a blocked device is reviewed, one further away is not', async () => {
    const s = await shop([
      { name: 'shared_device', when: 'graph.device_customers_24h >= 5', action: 'block' },
      { name: 'near_blocked', when: 'graph.hops_to_blocked <= 2', action: 'review' },
    ], [{ list: 'device', action: 'block', value: 'dev-stolen' }]);
    for (let i = 1; i <= 4; i++) expectAllowed(await s.create({ device_id: 'dev-farm', customer: { id: `farm-${i}` } }));
    await expectBlocked(await s.create({ device_id: 'dev-farm', customer: { id: 'farm-5' } }), s.key, 'shared_device');

    // cx pays on the stolen device (blocked by the list: 0 hops), then on its own device (1 hop: cx–dev-stolen).
    const zero = await expectBlocked(await s.create({ device_id: 'dev-stolen', customer: { id: 'cx' } }), s.key);
    expect(zero.risk?.score_parts.graph).toBe(90);
    const one = await s.create({ device_id: 'dev-cx', customer: { id: 'cx' }, client_ip: '203.0.113.9' });
    expectReview(one, 'near_blocked');
    expect(one.body.risk?.score_parts.graph).toBe(60);
    // cy shares only the IP with cx: cy–ip–cx… the IP is linked to cx, cx to the stolen device: two hops from cy's entities.
    const two = await s.create({ customer: { id: 'cy' }, client_ip: '203.0.113.9' });
    expectReview(two, 'near_blocked');
    expect(two.body.risk?.score_parts.graph).toBe(30);
    expectAllowed(await s.create({ customer: { id: 'cz' }, client_ip: '203.0.113.10', device_id: 'dev-cz' }));
  });

  it('behaviour: after five ordinary paid payments, one far above the customer\'s usual amount raises the score and is reviewed', async () => {
    const s = await shop([{ name: 'unusual_amount', when: 'profile.payments >= 5 && profile.amount_zscore > 4', action: 'review' }]);
    const sim = (p: string, body: unknown) => fetch(`${gw.url}/sandbox/alipay${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const amount of [1000, 1100, 900, 1000, 1050]) {
      const r = await s.create({ amount, customer: { id: 'habit' } });
      expectAllowed(r);
      await sim('/_payer/pay', { reference: r.body.next_action!.qr_code, outcome: 'success' });
      await waitFor(async () => (await gw.api<Payment>(s.key, 'GET', `/v1/payments/${r.body.id}`)).body.status === 'succeeded', { what: 'paid' });
    }
    const usual = await s.create({ amount: 1020, customer: { id: 'habit' } });
    expectAllowed(usual);
    expect(usual.body.risk?.score_parts.behaviour).toBe(0);
    const odd = await s.create({ amount: 100000, customer: { id: 'habit' } });
    expectReview(odd, 'unusual_amount');
    expect(odd.body.risk?.score).toBeGreaterThanOrEqual(60);
    // Another customer has no profile yet: the same amount says nothing about them.
    expectAllowed(await s.create({ amount: 100000, customer: { id: 'newcomer' } }));
  });

  it('the buyer identity from the notification joins the graph: a paid payment whose wallet paid on a device blocked since is flagged, once', async () => {
    const s = await shop([{ name: 'near_blocked', when: 'graph.hops_to_blocked <= 2', action: 'review' }]);
    const sim = (p: string, body: unknown) => fetch(`${gw.url}/sandbox/alipay${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const paid = async (extra: Record<string, unknown>, buyer: string) => {
      const r = await s.create(extra);
      expectAllowed(r);
      expect((await sim('/_payer/pay', { reference: r.body.next_action!.qr_code, outcome: 'success', buyer })).status).toBe(200);
      return waitFor(async () => { const p = (await gw.api<Payment & { risk: Risk & { flagged?: { action: string } } }>(s.key, 'GET', `/v1/payments/${r.body.id}`)).body; return p.status === 'succeeded' ? p : undefined; }, { what: 'paid' });
    };
    const wallet = `2088${String(order).padStart(12, '0')}`;
    await paid({ customer: { id: 'w-c1' }, device_id: 'w-d1' }, wallet);
    // The device turns out to be stolen; the next payment, on another device, shares only the wallet with it.
    expect((await gw.admin('POST', `/admin/merchants/${s.id}/risk/lists`, { list: 'device', action: 'block', value: 'w-d1' })).status).toBe(200);
    const later = await paid({ customer: { id: 'w-c2' }, device_id: 'w-d2' }, wallet);
    expect(later.risk?.flagged).toMatchObject({ action: 'review' });
    const flagged = await gw.rt.ctx.db.selectFrom('events').select('type').where('object_id', '=', later.id).where('type', '=', 'risk.flagged').execute();
    expect(flagged).toHaveLength(1);
    // Another wallet links to nothing blocked: not flagged.
    const other = await paid({ customer: { id: 'w-c3' }, device_id: 'w-d3' }, `${wallet.slice(0, -1)}9`);
    expect(other.risk?.flagged).toBeUndefined();
  });

  it('a notification settles whether or not the merchant\'s risk configuration is cached (read inside the notification\'s transaction)', async () => {
    const m = await sandboxMerchant(gw);
    const sim = (p: string, body: unknown) => fetch(`${gw.url}/sandbox/alipay${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const configured of [false, true]) {
      if (configured) expect((await gw.admin('PUT', `/admin/merchants/${m.id}/risk/rules`, { rules: [{ name: 'big', when: 'amount > 100000', action: 'review', mode: 'active' }] })).status).toBe(200);
      const r = await gw.api<Payment>(m.key, 'POST', '/v1/payments', { amount: 1000, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `RISK-${db}-${++order}`, customer: { id: 'c-cache' } });
      expect(r.status).toBe(201);
      // The cache lapsed (or another node changed the rules): the notification's transaction reads it itself.
      gw.rt.ctx.configCache.clear();
      expect((await sim('/_payer/pay', { reference: r.body.next_action!.qr_code, outcome: 'success' })).status).toBe(200);
      await waitFor(async () => (await gw.api<Payment>(m.key, 'GET', `/v1/payments/${r.body.id}`)).body.status === 'succeeded', { timeoutMs: 10_000, what: `paid (configured: ${configured})` });
    }
  });

  it('a status change reads the accounts it needs through its own transaction when their cache entry lapsed', async () => {
    const m = await sandboxMerchant(gw);
    const r = await gw.api<Payment & { attempts: Array<{ id: string }> }>(m.key, 'POST', '/v1/payments', { amount: 1000, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `RISK-${db}-${++order}` });
    expect(r.status).toBe(201);
    // As when the entry lapses while a poll waits for the provider: the transition's event needs the account's mode.
    gw.rt.ctx.configCache.clear();
    const settled = observePayment(gw.rt.ctx, { paymentId: r.body.id, attemptId: r.body.attempts[0]!.id, observed: 'succeeded', source: 'test' });
    const hung = new Promise((resolve) => setTimeout(() => resolve('hung'), 10_000).unref());
    expect(await Promise.race([settled, hung])).toMatchObject({ changed: true, to: 'succeeded' });
  });

  it('shadow mode changes no outcome and records what the rule would have done', async () => {
    const s = await shop([{ name: 'would_block', when: 'amount > 100', action: 'block', mode: 'shadow', score: 70 }]);
    const r = await s.create({ amount: 5000 });
    expectAllowed(r);
    expect(r.body.risk).toMatchObject({ action: 'allow', shadow_action: 'block', rules: [{ name: 'would_block', action: 'block', mode: 'shadow' }] });
    // A shadow rule's score is not the payment's either.
    expect(r.body.risk?.score).toBe(0);
  });

  it('a merchant with no risk configuration is allowed with the built-in score, and the decision is counted in /metrics', async () => {
    const m = await sandboxMerchant(gw);
    const r = await gw.api<Payment>(m.key, 'POST', '/v1/payments', { amount: 1000, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `RISK-${db}-${++order}`, client_ip: '8.8.8.8', payer_country: 'CN' });
    expect(r.status).toBe(201);
    expect(r.body.risk).toMatchObject({ action: 'allow', rules: [], rule_set_version: 0 });
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/paygate_risk_decisions_total\{action="block"\} [1-9]/);
    expect(metrics).toMatch(/paygate_risk_rules_fired_total\{rule="too_big",mode="active",action="block"\} [1-9]/);
    expect(metrics).toMatch(/paygate_risk_decision_seconds_count [1-9]/);
  });
});
