/**
 * alipay_qr in certificate mode (公钥证书模式), through HTTP only: a merchant's Alipay account
 * configured with the three files the sandbox hands out (app_cert, alipay_public_cert,
 * alipay_root_cert) — create, pay, signed notification, query (notifications dropped, the
 * poll settles), refund. Then Alipay rotates its certificate: an account holding only the
 * old certificate gets CONNECTOR.CERT_UNKNOWN naming the fix, one configured with old and
 * new before the switch keeps working, notifications included. A refund made in Alipay's
 * merchant portal reaches the payment once, as a refund of origin provider. Certificate
 * handling does not touch the database, so SQLite alone is enough here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, waitFor, type Gateway } from '../test-support/harness.js';

type Payment = { id: string; status: string; amount_refunded: number; next_action: { qr_code: string } | null; attempts: Array<{ provider_reference: string }> };
type Refund = { id: string; status: string };
type CertApp = { app_id: string; private_key: string; app_cert: string; alipay_public_cert: string; alipay_root_cert: string };
type Err = { error: { code: string; message: string } };

describe('alipay_qr in certificate mode', () => {
  let gw: Gateway;
  let order = 0;
  const sim = async <T,>(p: string, body: unknown): Promise<T> => {
    const res = await fetch(`${gw.url}/sandbox/alipay${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status, p).toBe(200);
    return (await res.json()) as T;
  };

  /** A merchant whose only Alipay account is in certificate mode with these Alipay certificates. */
  async function merchant(app: CertApp, alipayCerts: string[] = [app.alipay_public_cert]) {
    const m = await gw.admin<{ id: string; secret_key: string }>('POST', '/admin/merchants', { name: `Cert shop ${++order}` });
    const { alipay_public_cert: _one, ...files } = app;
    const credentials = { ...files, alipay_public_cert: alipayCerts.length === 1 ? alipayCerts[0] : alipayCerts };
    const pa = await gw.admin<{ id: string }>('POST', `/admin/merchants/${m.body.id}/provider_accounts`, { provider: 'alipay', mode: 'sandbox', base_url: `${gw.url}/sandbox/alipay`, credentials });
    expect(pa.status).toBe(201);
    return { key: m.body.secret_key, accountId: pa.body.id };
  }
  const create = (key: string, amount = 8888) => gw.api<Payment & Err>(key, 'POST', '/v1/payments', { amount, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `CERT-${++order}` });
  const until = (key: string, id: string, status: string) =>
    waitFor(async () => { const p = (await gw.api<Payment>(key, 'GET', `/v1/payments/${id}`)).body; return p.status === status ? p : undefined; }, { what: `${id} ${status}` });
  const verdicts = (accountId: string) => gw.rt.ctx.db.selectFrom('notifications').select(['verdict', 'error_code']).where('provider_account_id', '=', accountId).execute();

  beforeAll(async () => {
    gw = await startGateway({ db: 'sqlite' });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('create → pay → notification → refund, every call carrying the certificate SNs and every answer verified by alipay_cert_sn', async () => {
    const app = await sim<CertApp>('/_apps', { mode: 'certificate' });
    const m = await merchant(app);
    const res = await create(m.key);
    expect(res.status).toBe(201);
    expect(res.body.next_action?.qr_code).toContain('/sandbox/alipay/');
    await sim('/_payer/pay', { reference: res.body.next_action?.qr_code, outcome: 'success' });
    await until(m.key, res.body.id, 'succeeded');
    const v = await waitFor(async () => (await verdicts(m.accountId))[0], { what: 'notification recorded' });
    expect(['accepted', 'duplicate']).toContain(v.verdict);
    expect(v.error_code).toBeNull();
    expect((await verdicts(m.accountId)).filter((n) => n.verdict === 'rejected')).toEqual([]);

    const refund = await gw.api<Refund>(m.key, 'POST', '/v1/refunds', { payment_id: res.body.id, amount: 1000 });
    expect(refund.status).toBe(201);
    await waitFor(async () => ((await gw.api<Refund>(m.key, 'GET', `/v1/refunds/${refund.body.id}`)).body.status === 'succeeded') || undefined, { what: 'refund succeeded' });
    expect((await gw.api<Payment>(m.key, 'GET', `/v1/payments/${res.body.id}`)).body.amount_refunded).toBe(1000);
  });

  it('settles by query when the notification is lost', async () => {
    const app = await sim<CertApp>('/_apps', { mode: 'certificate' });
    const m = await merchant(app);
    await sim('/_faults', { drop_notifications: true });
    try {
      const res = await create(m.key, 500);
      await sim('/_payer/pay', { reference: res.body.next_action?.qr_code, outcome: 'success' });
      await until(m.key, res.body.id, 'succeeded');
      expect(await verdicts(m.accountId)).toEqual([]);
    } finally {
      await sim('/_faults', { drop_notifications: false });
    }
  });

  it('a refund made in the Alipay merchant portal is recorded once (origin provider), and what is left stays refundable through Paygate', async () => {
    const app = await sim<CertApp>('/_apps', { mode: 'certificate' });
    const m = await merchant(app);
    const res = await create(m.key, 10000);
    await sim('/_payer/pay', { reference: res.body.next_action?.qr_code, outcome: 'success' });
    await until(m.key, res.body.id, 'succeeded');
    const portal = await sim<{ out_request_no: string }>('/_merchant/refund', { reference: res.body.attempts[0]?.provider_reference, refund_amount: '30.00' });
    const paid = await waitFor(async () => { const p = (await gw.api<Payment>(m.key, 'GET', `/v1/payments/${res.body.id}`)).body; return p.amount_refunded === 3000 ? p : undefined; }, { what: 'portal refund recorded' });
    expect(paid.amount_refunded).toBe(3000);
    const list = await gw.api<{ data: Array<Refund & { amount: number; origin: string }> }>(m.key, 'GET', `/v1/refunds?payment_id=${res.body.id}`);
    expect(list.body.data.map((r) => [r.origin, r.amount, r.status])).toEqual([['provider', 3000, 'succeeded']]);
    const rows = await gw.rt.ctx.db.selectFrom('refunds').select(['provider_refund_id']).where('payment_id', '=', res.body.id).execute();
    expect(rows).toEqual([{ provider_refund_id: portal.out_request_no }]);
    // Paygate's own refund of the rest, then nothing is left: the portal refund is counted once.
    const rest = await gw.api<Refund>(m.key, 'POST', '/v1/refunds', { payment_id: res.body.id, amount: 7000 });
    expect(rest.status).toBe(201);
    await waitFor(async () => ((await gw.api<Refund>(m.key, 'GET', `/v1/refunds/${rest.body.id}`)).body.status === 'succeeded') || undefined, { what: 'refund of the rest' });
    const over = await gw.api<Err>(m.key, 'POST', '/v1/refunds', { payment_id: res.body.id, amount: 1 });
    expect(over.body.error.code).toBe('REFUND.AMOUNT_EXCEEDS_REFUNDABLE');
    expect((await gw.api<Payment>(m.key, 'GET', `/v1/payments/${res.body.id}`)).body.amount_refunded).toBe(10000);
    expect((await verdicts(m.accountId)).filter((n) => n.verdict === 'rejected')).toEqual([]);
  });

  it('rotation: old certificate only → CONNECTOR.CERT_UNKNOWN saying what to add; old + new configured ahead → no interruption', async () => {
    const app = await sim<CertApp>('/_apps', { mode: 'certificate' });
    const stale = await merchant(app);
    const rotated = await sim<{ alipay_cert_sn: string; alipay_public_cert: string; active_from: number }>('/_alipay_cert/rotate', { activate_in_ms: 1500 });
    const ready = await merchant(app, [app.alipay_public_cert, rotated.alipay_public_cert]);
    // Before the switch the old certificate still signs: both accounts work.
    expect((await create(ready.key)).status).toBe(201);
    expect((await create(stale.key)).status).toBe(201);
    await waitFor(() => Date.now() > rotated.active_from + 50 || undefined, { what: 'switch' });

    const refused = await create(stale.key);
    expect(refused.status).toBe(502);
    expect(refused.body.error.code).toBe('CONNECTOR.CERT_UNKNOWN');
    expect(refused.body.error.message).toContain(rotated.alipay_cert_sn);
    expect(refused.body.error.message).toMatch(/alipay_public_cert/);

    const res = await create(ready.key);
    expect(res.status).toBe(201);
    await sim('/_payer/pay', { reference: res.body.next_action?.qr_code, outcome: 'success' });
    await until(ready.key, res.body.id, 'succeeded');
    const v = await waitFor(async () => (await verdicts(ready.accountId)).find((n) => n.verdict !== 'rejected'), { what: 'notification accepted' });
    expect(v.error_code).toBeNull();
    expect((await verdicts(ready.accountId)).filter((n) => n.verdict === 'rejected')).toEqual([]);
  });
});
