/**
 * Test and live kept apart (issue 11): a test key (sk_test_) only reaches sandbox provider
 * accounts and a live key (sk_live_) only live ones — in default routing, in routing rules,
 * with a pinned account, on a repeated create, and for refresh / cancel / refund of an
 * existing payment. Payments say which they are (livemode). The "live" account here is the
 * simulator under a live label: what is tested is which account a key may reach.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProviderAccount } from '../app/accounts.js';
import { DB_KINDS, sandboxMerchant, startGateway, waitFor, type Gateway } from '../test-support/harness.js';

type Payment = { id: string; status: string; livemode: boolean | null; attempts: Array<{ provider_account_id: string }>; next_action: { qr_code?: string } | null };
type Err = { error: { code: string; field?: string; message: string } };

describe.each(DB_KINDS)('test and live modes on %s', (db) => {
  let gw: Gateway;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;
  let liveKey = '';
  let liveAlipay = '';
  let n = 0;
  const create = (key: string, extra: Record<string, unknown> = {}) =>
    gw.api<Payment & Err>(key, 'POST', '/v1/payments', { amount: 100, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `MD-${db}-${++n}`, ...extra });
  const paymentRows = async () => Number((await gw.rt.ctx.db.selectFrom('payments').select((eb) => eb.fn.countAll().as('c')).executeTakeFirstOrThrow()).c);

  beforeAll(async () => {
    gw = await startGateway({ db });
    m = await sandboxMerchant(gw);
    liveKey = (await gw.admin<{ secret_key: string }>('POST', `/admin/merchants/${m.id}/api_keys`, { mode: 'live' })).body.secret_key;
    expect(liveKey.startsWith('sk_live_')).toBe(true);
    const sandbox = await gw.rt.ctx.db.selectFrom('provider_accounts').selectAll().where('id', '=', m.accountId).executeTakeFirstOrThrow();
    const credentials = JSON.parse(gw.rt.ctx.vault.open(sandbox.credentials_enc, `provider_account:${sandbox.id}`)) as Record<string, unknown>;
    // Created after the sandbox account, so default routing (oldest first) would have picked the sandbox one for everybody.
    liveAlipay = (await createProviderAccount(gw.rt.ctx, m.id, { provider: 'alipay', mode: 'live', base_url: sandbox.base_url, credentials })).id;
  });
  afterAll(async () => gw?.stop());

  it('default routing: a test key gets the sandbox account, a live key the live one; livemode says which', async () => {
    const t = await create(m.key);
    expect(t.status).toBe(201);
    expect(t.body.attempts.map((a) => a.provider_account_id)).toEqual([m.accountId]);
    expect(t.body.livemode).toBe(false);
    const l = await create(liveKey);
    expect(l.status).toBe(201);
    expect(l.body.attempts.map((a) => a.provider_account_id)).toEqual([liveAlipay]);
    expect(l.body.livemode).toBe(true);
    const list = (await gw.api<{ data: Payment[] }>(m.key, 'GET', '/v1/payments?limit=100')).body.data;
    expect(list.find((p) => p.id === l.body.id)?.livemode).toBe(true);
    expect(list.find((p) => p.id === t.body.id)?.livemode).toBe(false);
  });

  it('a live key with no live account for the method is refused, never sent to a sandbox account', async () => {
    const before = await paymentRows();
    const r = await create(liveKey, { method: 'wechat_native' });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: 'PAYMENT.NO_PROVIDER_ACCOUNT' });
    expect(r.body.error.message).toMatch(/live wechatpay/);
    expect(await paymentRows()).toBe(before);
  });

  it('a pinned account of the other mode: 403 PAYMENT.MODE_MISMATCH on provider_account_id, nothing written', async () => {
    const before = await paymentRows();
    const a = await create(m.key, { provider_account_id: liveAlipay });
    expect(a.status).toBe(403);
    expect(a.body.error).toMatchObject({ code: 'PAYMENT.MODE_MISMATCH', field: 'provider_account_id' });
    const b = await create(liveKey, { provider_account_id: m.accountId });
    expect(b.status).toBe(403);
    expect(b.body.error).toMatchObject({ code: 'PAYMENT.MODE_MISMATCH', field: 'provider_account_id' });
    expect(await paymentRows()).toBe(before);
    expect((await create(liveKey, { provider_account_id: liveAlipay })).status).toBe(201);
  });

  it('routing rules: each key only sees the rule accounts of its own mode', async () => {
    const put = await gw.admin('PUT', `/admin/merchants/${m.id}/routing`, { rules: [{ method: 'alipay_qr', accounts: [{ provider_account_id: liveAlipay }, { provider_account_id: m.accountId }] }] });
    expect(put.status).toBe(200);
    try {
      expect((await create(m.key)).body.attempts.map((a) => a.provider_account_id)).toEqual([m.accountId]);
      expect((await create(liveKey)).body.attempts.map((a) => a.provider_account_id)).toEqual([liveAlipay]);
      // A rule naming only live accounts does not exist for a test key: the default (sandbox accounts) applies.
      await gw.admin('PUT', `/admin/merchants/${m.id}/routing`, { rules: [{ method: 'alipay_qr', accounts: [{ provider_account_id: liveAlipay }] }] });
      expect((await create(m.key)).body.attempts.map((a) => a.provider_account_id)).toEqual([m.accountId]);
    } finally {
      await gw.admin('PUT', `/admin/merchants/${m.id}/routing`, { rules: [] });
    }
  });

  it('a key cannot repeat, refresh, cancel or refund a payment of the other mode', async () => {
    const order = `MD-${db}-cross-${++n}`;
    const t = (await create(m.key, { merchant_order_id: order })).body;
    const again = await create(liveKey, { merchant_order_id: order });
    expect(again.status).toBe(403);
    expect(again.body.error).toMatchObject({ code: 'PAYMENT.MODE_MISMATCH', field: 'merchant_order_id' });
    const refresh = await gw.api<Err>(liveKey, 'GET', `/v1/payments/${t.id}?refresh=true`);
    expect(refresh.status).toBe(403);
    expect(refresh.body.error.code).toBe('PAYMENT.MODE_MISMATCH');
    const cancel = await gw.api<Err>(liveKey, 'POST', `/v1/payments/${t.id}/cancel`);
    expect(cancel.status).toBe(403);
    expect(cancel.body.error.code).toBe('PAYMENT.MODE_MISMATCH');

    await fetch(`${gw.url}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: t.next_action!.qr_code, outcome: 'success' }) });
    await waitFor(async () => (await gw.api<Payment>(m.key, 'GET', `/v1/payments/${t.id}`)).body.status === 'succeeded' || undefined, { what: 'paid' });
    const refund = await gw.api<Err>(liveKey, 'POST', '/v1/refunds', { payment_id: t.id, amount: 10 });
    expect(refund.status).toBe(403);
    expect(refund.body.error).toMatchObject({ code: 'PAYMENT.MODE_MISMATCH', field: 'payment_id' });
    expect(await gw.rt.ctx.db.selectFrom('refunds').select('id').where('payment_id', '=', t.id).execute()).toEqual([]);
    // The key of the payment's own mode does all of it.
    expect((await gw.api(m.key, 'POST', '/v1/refunds', { payment_id: t.id, amount: 10 })).status).toBe(201);
    expect((await create(m.key, { merchant_order_id: order })).status).toBe(200);
    // Reading is no provider call: either key may see it, and livemode says which it is.
    expect((await gw.api<Payment>(liveKey, 'GET', `/v1/payments/${t.id}`)).body.livemode).toBe(false);
  });

  it('webhook event snapshots carry livemode', async () => {
    const l = (await create(liveKey)).body;
    await gw.api(liveKey, 'POST', `/v1/payments/${l.id}/cancel`);
    const ev = await gw.rt.ctx.db.selectFrom('events').select('data').where('object_id', '=', l.id).where('type', '=', 'payment.canceled').executeTakeFirstOrThrow();
    expect((JSON.parse(ev.data) as { object: { livemode: boolean } }).object.livemode).toBe(true);
  });
});
