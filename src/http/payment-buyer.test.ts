/**
 * Who pays (the risk inputs of a create, docs/risk.md) on SQLite and PostgreSQL: customer,
 * client_ip and device_id are validated, stored and shown; payer_country defaults to the
 * country of client_ip (offline geo-IP) and an explicit one wins; an erase of the buyer by
 * customer id or e-mail clears them from the payment (and, as every erased field, from its events).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxMerchant } from '../sandbox/index.js';
import { DB_KINDS, startGateway, type Gateway } from '../test-support/harness.js';

type Payment = { id: string; payer_country: string | null; customer: { id: string | null; email: string | null; phone: string | null } | null; client_ip: string | null; device_id: string | null };
type Err = { error: { code: string; field?: string; message: string } };

describe.each(DB_KINDS)('buyer inputs on create (%s)', (db) => {
  let gw: Gateway;
  let key = '';
  let order = 0;

  beforeAll(async () => {
    gw = await startGateway({ db });
    key = (await createSandboxMerchant(gw.rt.ctx, gw.rt.simulators, `Buyer ${db}`)).secret_key;
  });
  afterAll(async () => { await gw?.stop(); });

  const create = (extra: Record<string, unknown>) => gw.api<Payment & Err>(key, 'POST', '/v1/payments', { amount: 1200, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `BUY-${db}-${++order}`, ...extra });

  it('stores and shows the customer, IP and device; payer_country comes from the IP unless given', async () => {
    const r = await create({ customer: { id: 'cus_42', email: 'Li.Lei@Example.com', phone: '+8613800138000' }, client_ip: '1.2.4.8', device_id: 'dev-7f3a' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ customer: { id: 'cus_42', email: 'li.lei@example.com', phone: '+8613800138000' }, client_ip: '1.2.4.8', device_id: 'dev-7f3a', payer_country: 'CN' });
    const again = await gw.api<Payment>(key, 'GET', `/v1/payments/${r.body.id}`);
    expect(again.body).toMatchObject({ customer: { id: 'cus_42' }, client_ip: '1.2.4.8', payer_country: 'CN' });

    expect((await create({ client_ip: '8.8.8.8' })).body.payer_country).toBe('US');
    expect((await create({ client_ip: '2400:3200::1' })).body.payer_country).toBe('CN');
    // Given wins over the IP; a private address has no country; nothing given → nothing.
    expect((await create({ client_ip: '8.8.8.8', payer_country: 'DE' })).body.payer_country).toBe('DE');
    expect((await create({ client_ip: '8.8.8.8', payer_country: null })).body.payer_country).toBeNull();
    expect((await create({ client_ip: '192.168.1.20' })).body.payer_country).toBeNull();
    expect((await create({})).body).toMatchObject({ customer: null, client_ip: null, device_id: null, payer_country: null });
  });

  it('refuses malformed inputs with the field named, and creates nothing', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ client_ip: '999.1.1.1' }, 'client_ip'],
      [{ client_ip: 'localhost' }, 'client_ip'],
      [{ customer: { email: 'not-an-email' } }, 'customer.email'],
      [{ customer: { phone: 'call me' } }, 'customer.phone'],
      [{ customer: { id: 'has space' } }, 'customer.id'],
      [{ customer: { id: 'c1', loyalty: 'gold' } }, 'customer'],
      [{ device_id: '' }, 'device_id'],
      [{ device_id: 'x'.repeat(129) }, 'device_id'],
    ];
    for (const [extra, field] of bad) {
      const r = await create(extra);
      expect(r.status, JSON.stringify(extra)).toBe(400);
      expect(r.body.error.code).toMatch(/^VALIDATION\./);
      expect(`${r.body.error.field ?? ''} ${r.body.error.message}`, JSON.stringify(extra)).toContain(field);
    }
    const list = await gw.api<{ data: Payment[] }>(key, 'GET', `/v1/payments?merchant_order_id=BUY-${db}-${order}`);
    expect(list.body.data).toEqual([]);
  });

  it('an erase by customer id or e-mail clears them from the payment, and only from that buyer\'s', async () => {
    const byId = await create({ customer: { id: 'cus_erase_1' }, client_ip: '8.8.8.8', device_id: 'dev-erase' });
    const byEmail = await create({ customer: { email: 'erase.me@example.com' }, device_id: 'dev-erase-2' });
    const other = await create({ customer: { id: 'cus_keep' }, device_id: 'dev-keep' });
    const erase = (body: unknown) => gw.admin<{ payment_ids: string[] }>('POST', '/admin/privacy/erase', body);
    expect((await erase({ customer_id: 'cus_erase_1' })).body.payment_ids).toEqual([byId.body.id]);
    expect((await erase({ email: 'ERASE.ME@example.com' })).body.payment_ids).toEqual([byEmail.body.id]);
    for (const id of [byId.body.id, byEmail.body.id]) {
      expect((await gw.api<Payment>(key, 'GET', `/v1/payments/${id}`)).body).toMatchObject({ customer: null, client_ip: null, device_id: null, payer_country: null });
    }
    expect((await gw.api<Payment>(key, 'GET', `/v1/payments/${other.body.id}`)).body).toMatchObject({ customer: { id: 'cus_keep' }, device_id: 'dev-keep' });
  });
});
