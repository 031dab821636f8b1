/**
 * POST /admin/privacy/erase on SQLite and PostgreSQL: one buyer's personal data leaves
 * payments, their events and stored notifications; amounts, statuses and ids stay; other
 * buyers are untouched; the identifier index never holds an identifier in clear; a second
 * erase finds nothing. Buyers are found by provider buyer id, e-mail (provider data or
 * payment metadata) and customer id (metadata), optionally within one merchant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxMerchant } from '../sandbox/index.js';
import { DB_KINDS, startGateway, type Gateway } from '../test-support/harness.js';
import { alipaySigner, stripeSigner, type Signer } from '../test-support/notify-signers.js';

type Payment = { id: string; status: string; amount: number; currency: string; merchant_order_id: string; metadata: Record<string, string>; payer_country: string | null; attempts: Array<{ provider_reference: string; provider_transaction_id: string | null }> };
type Erased = { object: string; payment_ids: string[]; payments: number; events: number; notifications: number; identifiers: number; idempotency_keys: number };
type Err = { error: { code: string; field?: string } };

describe.each(DB_KINDS)('buyer erasure on %s', (db) => {
  let gw: Gateway;
  let m: Awaited<ReturnType<typeof createSandboxMerchant>>;
  let accounts: Record<string, string>;
  let alipay: Signer;
  let stripe: Signer;
  let order = 0;

  beforeAll(async () => {
    gw = await startGateway({ db });
    m = await createSandboxMerchant(gw.rt.ctx, gw.rt.simulators, `Erase ${db}`);
    accounts = Object.fromEntries(m.provider_accounts.map((a) => [a.provider, a.id]));
    alipay = await alipaySigner(gw, accounts.alipay!);
    stripe = await stripeSigner(gw, accounts.stripe!);
  });
  afterAll(async () => { await gw?.stop(); });

  const create = async (method: string, currency: string, amount: number, metadata: Record<string, string> = {}) => {
    const r = await gw.api<Payment>(m.secret_key, 'POST', '/v1/payments', { amount, currency, method, merchant_order_id: `ER-${db}-${++order}`, metadata, payer_country: 'DE' }, { 'idempotency-key': `erase-${db}-${order}` });
    expect(r.status).toBe(201);
    return r.body;
  };
  const get = async (id: string) => (await gw.api<Payment>(m.secret_key, 'GET', `/v1/payments/${id}`)).body;
  const pay = async (provider: string, signer: Signer, p: Payment, over: Record<string, unknown>) => {
    const n = signer(p.attempts[0]!.provider_reference, p.amount, over);
    const res = await fetch(`${gw.url}/notify/${provider}/${accounts[provider]}`, { method: 'POST', headers: n.headers, body: n.body });
    expect(res.status).toBeLessThan(300);
    expect((await get(p.id)).status).toBe('succeeded');
  };
  const erase = (body: unknown) => gw.admin<Erased & Err>('POST', '/admin/privacy/erase', body);
  const notesOf = (id: string) => gw.rt.ctx.db.selectFrom('notifications').select(['raw', 'purged_at', 'verdict', 'notification_id']).where('payment_id', '=', id).execute();
  const eventsOf = async (id: string) => (await gw.rt.ctx.db.selectFrom('events').select('data').where('object_id', '=', id).execute()).map((e) => JSON.parse(e.data) as { object: Payment });

  it('erases by provider buyer id, keeps the books, leaves other buyers alone', async () => {
    const mine = await create('alipay_qr', 'CNY', 8888, { contact: 'wang.fang@example.com', note: 'gate 4' });
    const other = await create('alipay_qr', 'CNY', 4200, { contact: 'zhao.lei@example.com' });
    await pay('alipay', alipay, mine, { buyer_id: '2088102177840001' });
    await pay('alipay', alipay, other, { buyer_id: '2088102177840002' });
    const before = await get(mine.id);

    // The index holds keyed hashes only.
    const index = await gw.rt.ctx.db.selectFrom('buyer_identifiers').selectAll().execute();
    expect(index.length).toBeGreaterThan(0);
    for (const row of index) expect(JSON.stringify(row)).not.toMatch(/2088102177840001|2088102177840002|example\.com/);

    const r = await erase({ provider_buyer_id: '2088102177840001' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ object: 'privacy_erasure', payment_ids: [mine.id], payments: 1, notifications: 1, idempotency_keys: 1 });
    expect(r.body.events).toBeGreaterThanOrEqual(1);
    expect(r.body.identifiers).toBeGreaterThanOrEqual(1);

    const after = await get(mine.id);
    expect(after).toMatchObject({ id: mine.id, status: 'succeeded', amount: 8888, currency: 'CNY', merchant_order_id: mine.merchant_order_id, metadata: {}, payer_country: null });
    expect(after.attempts[0]!.provider_transaction_id).toBe(before.attempts[0]!.provider_transaction_id);
    for (const n of await notesOf(mine.id)) expect(n).toMatchObject({ raw: '', verdict: 'accepted', purged_at: expect.any(Number) as number });
    for (const e of await eventsOf(mine.id)) expect(e.object).toMatchObject({ id: mine.id, amount: 8888, metadata: {}, payer_country: null });
    // The replayable create answer showed the metadata: gone with it. The other buyer: untouched.
    const idem = await gw.rt.ctx.db.selectFrom('idempotency_keys').select('response_body').where('merchant_id', '=', m.id).execute();
    expect(idem.some((k) => k.response_body?.includes(mine.id))).toBe(false);
    expect(idem.some((k) => k.response_body?.includes(other.id))).toBe(true);
    expect((await get(other.id)).metadata).toEqual({ contact: 'zhao.lei@example.com' });
    expect((await notesOf(other.id))[0]!.raw).toContain('out_trade_no=');
    expect((await eventsOf(other.id))[0]!.object.metadata).toEqual({ contact: 'zhao.lei@example.com' });

    const again = await erase({ provider_buyer_id: '2088102177840001' });
    expect(again.body).toMatchObject({ payment_ids: [], payments: 0, events: 0, notifications: 0, identifiers: 0, idempotency_keys: 0 });
  });

  it('erases by e-mail from provider data and from payment metadata (case-insensitive), and by customer id', async () => {
    const paid = await create('stripe', 'USD', 2000);
    await pay('stripe', stripe, paid, { customer_details: { email: 'Erin.Baker@example.com', name: 'Erin Baker' }, customer: 'cus_ERINBAKER01' });
    const unpaid = await create('alipay_qr', 'CNY', 100, { buyer: 'erin.baker@EXAMPLE.com' });
    const lookalike = await create('alipay_qr', 'CNY', 100, { buyer: 'karin.baker@example.com' });
    const customer = await create('alipay_qr', 'CNY', 300, { customer_id: 'CUST-1001' });
    const prefix = await create('alipay_qr', 'CNY', 300, { customer_id: 'CUST-10011' });

    const r = await erase({ email: 'ERIN.BAKER@example.com' });
    expect(r.status).toBe(200);
    expect(r.body.payment_ids).toEqual([paid.id, unpaid.id].sort());
    expect(r.body).toMatchObject({ payments: 2, notifications: 1 });
    expect((await get(paid.id))).toMatchObject({ status: 'succeeded', amount: 2000, metadata: {} });
    expect((await get(unpaid.id)).metadata).toEqual({});
    expect((await get(lookalike.id)).metadata).toEqual({ buyer: 'karin.baker@example.com' });
    expect((await notesOf(paid.id)).every((n) => n.raw === '')).toBe(true);
    // The Stripe customer id was indexed by the same notification: its entries went with it.
    expect((await erase({ provider_buyer_id: 'cus_ERINBAKER01' })).body).toMatchObject({ payments: 0, identifiers: 0 });

    const c = await erase({ customer_id: 'CUST-1001' });
    expect(c.body).toMatchObject({ payment_ids: [customer.id], payments: 1 });
    expect((await get(prefix.id)).metadata).toEqual({ customer_id: 'CUST-10011' });
  });

  it('forgets the buyer in risk control: their links in the graph and their behaviour profile; another buyer\'s stay', async () => {
    const buyer = async (customer: string, device: string, paid: boolean) => {
      const r = await gw.api<Payment>(m.secret_key, 'POST', '/v1/payments', {
        amount: 700, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `ER-${db}-${++order}`,
        customer: { id: customer, email: `${customer}@example.com` }, device_id: device, client_ip: '203.0.113.50',
      });
      expect(r.status).toBe(201);
      if (paid) await pay('alipay', alipay, r.body, {});
      return r.body;
    };
    await buyer(`risk-gone-${db}`, `dev-gone-${db}`, true);
    await buyer(`risk-stays-${db}`, `dev-stays-${db}`, true);
    const links = async (value: string) => (await gw.rt.ctx.db.selectFrom('risk_edges').select('a_value').where('merchant_id', '=', m.id)
      .where((eb) => eb.or([eb('a_value', '=', value), eb('b_value', '=', value)])).execute()).length;
    const profiles = async (customer: string) => (await gw.rt.ctx.db.selectFrom('risk_profiles').select('customer_id').where('customer_id', '=', customer).execute()).length;
    expect(await links(`risk-gone-${db}`)).toBeGreaterThan(0);
    expect(await profiles(`risk-gone-${db}`)).toBe(1);

    const r = await erase({ customer_id: `risk-gone-${db}` });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ risk_profiles: 1 });
    expect((r.body as unknown as { risk_links: number }).risk_links).toBeGreaterThan(0);
    for (const v of [`risk-gone-${db}`, `risk-gone-${db}@example.com`, `dev-gone-${db}`]) expect(await links(v), v).toBe(0);
    expect(await profiles(`risk-gone-${db}`)).toBe(0);
    // The other buyer of the same IP keeps their links and profile; the IP stays linked to them only.
    expect(await links(`risk-stays-${db}`)).toBe(6);
    expect(await profiles(`risk-stays-${db}`)).toBe(1);
    expect(await links('203.0.113.50')).toBe(6);
  });

  it('scopes to one merchant when asked', async () => {
    const p = await create('alipay_qr', 'CNY', 8888);
    await pay('alipay', alipay, p, { buyer_id: '2088102177840009' });
    const other = await gw.admin<{ id: string }>('POST', '/admin/merchants', { name: 'someone else' });
    expect((await erase({ provider_buyer_id: '2088102177840009', merchant_id: other.body.id })).body).toMatchObject({ payment_ids: [], identifiers: 0 });
    expect((await erase({ provider_buyer_id: '2088102177840009', merchant_id: m.id })).body).toMatchObject({ payment_ids: [p.id], payments: 1 });
  });

  it('refuses a request naming nobody, or without the admin token', async () => {
    for (const body of [{}, { merchant_id: m.id }, { email: 'not-an-email' }, { provider_buyer_id: '   ' }, { provider_buyer_id: 'x', surprise: 1 }]) {
      const r = await erase(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION.INVALID_BODY');
    }
    const anon = await fetch(`${gw.url}/admin/privacy/erase`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'a@b.example' }) });
    expect(anon.status).toBe(401);
    const doc = (await (await fetch(`${gw.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/admin/privacy/erase');
  });
});
