/** Bad input, auth, admin API and the operational endpoints. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, sandboxMerchant, startGateway, type Gateway } from '../test-support/harness.js';
import { ERROR_CATALOG } from '../domain/errors.js';
import fs from 'node:fs';

type Err = { error: { code: string; message: string; request_id: string; field?: string } };

describe('API edges', () => {
  let gw: Gateway;
  let key: string;
  beforeAll(async () => {
    // Real-time polls (+60 s) so that only ?refresh=true can settle a payment during a test.
    gw = await startGateway({ db: 'sqlite', env: { PAYGATE_BODY_LIMIT: '4096', PAYGATE_TIME_SCALE: '1' } });
    key = (await sandboxMerchant(gw)).key;
  });
  afterAll(async () => { await gw?.stop(); });

  it('rejects missing and unknown keys with AUTH codes', async () => {
    const none = await fetch(`${gw.url}/v1/payments`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as Err).error.code).toBe('AUTH.MISSING');
    const bad = await gw.api<Err>('sk_test_thisisnotarealkeyatall000', 'GET', '/v1/payments');
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('AUTH.INVALID_KEY');
    expect(bad.body.error.request_id).toMatch(/^req_/);
  });

  it('validates bodies with a stable code and the failing field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ amount: 1.5, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'X1' }, 'amount'],
      [{ amount: -1, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'X1' }, 'amount'],
      [{ amount: 100, currency: 'cny', method: 'alipay_qr', merchant_order_id: 'X1' }, 'currency'],
      [{ amount: 100, currency: 'CNY', method: 'bitcoin', merchant_order_id: 'X1' }, 'method'],
      [{ amount: 100, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'bad id!' }, 'merchant_order_id'],
      [{ amount: 100, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'X1', surprise: 1 }, ''],
    ];
    for (const [body, field] of cases) {
      const r = await gw.api<Err>(key, 'POST', '/v1/payments', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION.INVALID_BODY');
      if (field) expect(r.body.error.field).toBe(field);
    }
    const usd = await gw.api<Err>(key, 'POST', '/v1/payments', { amount: 100, currency: 'USD', method: 'alipay_qr', merchant_order_id: 'X2' });
    expect(usd.status).toBe(400);
    expect(usd.body.error.code).toBe('VALIDATION.UNSUPPORTED_CURRENCY');
  });

  it('answers malformed JSON, oversized bodies and unknown routes clearly', async () => {
    const bad = await gw.api<Err>(key, 'POST', '/v1/payments', '{"amount":');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION.INVALID_JSON');
    const big = await gw.api<Err>(key, 'POST', '/v1/payments', { amount: 1, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'BIG', description: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('VALIDATION.BODY_TOO_LARGE');
    const nf = await gw.api<Err>(key, 'GET', '/v1/nothing');
    expect(nf.status).toBe(404);
    expect(nf.body.error.code).toBe('RESOURCE.NOT_FOUND');
    const badId = await gw.api<Err>(key, 'GET', '/v1/payments/pay_nope');
    expect(badId.status).toBe(400);
    const missing = await gw.api<Err>(key, 'GET', '/v1/payments/pay_00000000000000000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('PAYMENT.NOT_FOUND');
    const badLimit = await gw.api<Err>(key, 'GET', '/v1/payments?limit=1000');
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error.code).toBe('VALIDATION.INVALID_QUERY');
  });

  it('admin API: token required; merchants, keys (revocable), provider accounts without credentials', async () => {
    const noAuth = await gw.api<Err>('wrong-token-wrong-token', 'POST', '/admin/merchants', { name: 'X' });
    expect(noAuth.status).toBe(401);
    expect(noAuth.body.error.code).toBe('AUTH.INVALID_ADMIN_TOKEN');
    const m = await gw.admin<{ id: string; secret_key: string }>('POST', '/admin/merchants', { name: 'Admin Shop' });
    expect(m.status).toBe(201);
    expect(m.body.secret_key).toMatch(/^sk_test_/);
    const k2 = await gw.admin<{ id: string; secret_key: string }>('POST', `/admin/merchants/${m.body.id}/api_keys`, {});
    expect(k2.status).toBe(201);
    expect((await gw.api(k2.body.secret_key, 'GET', '/v1/payments')).status).toBe(200);
    expect((await gw.admin('DELETE', `/admin/merchants/${m.body.id}/api_keys/${k2.body.id}`)).status).toBe(200);
    expect((await gw.api(k2.body.secret_key, 'GET', '/v1/payments')).status).toBe(401);
    expect((await gw.api(m.body.secret_key, 'GET', '/v1/payments')).status).toBe(200);

    const creds = (await gw.rt.simulators.alipay!.newAccountCredentials()) as { app_id: string };
    const pa = await gw.admin<Record<string, unknown>>('POST', `/admin/merchants/${m.body.id}/provider_accounts`, {
      provider: 'alipay', mode: 'sandbox', base_url: `${gw.url}/sandbox/alipay`, credentials: creds,
    });
    expect(pa.status).toBe(201);
    expect(JSON.stringify(pa.body)).not.toContain('PRIVATE KEY');
    const stored = await gw.rt.ctx.db.selectFrom('provider_accounts').select('credentials_enc').where('id', '=', String(pa.body.id)).executeTakeFirstOrThrow();
    expect(stored.credentials_enc).toMatch(/^v1\./);
    expect(stored.credentials_enc).not.toContain(creds.app_id);
    const list = await gw.admin<{ data: unknown[] }>('GET', `/admin/merchants/${m.body.id}/provider_accounts`);
    expect(list.body.data).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain('KEY-----');

    const badCreds = await gw.admin<Err>('POST', `/admin/merchants/${m.body.id}/provider_accounts`, { provider: 'alipay', mode: 'sandbox', base_url: 'http://x', credentials: { app_id: '1', private_key: 'nope', alipay_public_key: 'nope' } });
    expect(badCreds.status).toBe(400);
    expect(badCreds.body.error.code).toBe('PROVIDER_ACCOUNT.INVALID_CREDENTIALS');
  });

  it('serves health, readiness, metrics, the OpenAPI document and /docs', async () => {
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gw.url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready' });
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain('paygate_payments_created_total');
    const doc = (await (await fetch(`${gw.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    expect(doc.paths['/v1/payments']?.post?.requestBody).toBeDefined();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/refunds', '/v1/webhook_endpoints', '/v1/events', '/admin/merchants', '/admin/merchants/{id}/provider_accounts', '/pay/{payment_id}', '/pay/{payment_id}/events',
      '/admin/merchants/{id}/routing', '/admin/provider_accounts/{id}/health']));
    const create = doc.paths['/v1/payments']?.post as { parameters: Array<{ name: string }>; responses: Record<string, unknown> } | undefined;
    expect(create?.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['Idempotency-Key', 'Paygate-Priority']));
    expect(create?.responses['429']).toBeDefined();
    const docs = await fetch(`${gw.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
    expect(ADMIN_TOKEN.length).toBeGreaterThan(15);
  });

  it('GET ?refresh=true asks the provider when the notification never came', async () => {
    const sim = (p: string, body: unknown) => fetch(`${gw.url}/sandbox/alipay${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await sim('/_faults', { drop_notifications: true });
    try {
      const p = (await gw.api<{ id: string; next_action: { qr_code: string } }>(key, 'POST', '/v1/payments', { amount: 300, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'REFRESH-1' })).body;
      expect((await sim('/_payer/pay', { reference: p.next_action.qr_code, outcome: 'success' })).status).toBe(200);
      expect((await gw.api<{ status: string }>(key, 'GET', `/v1/payments/${p.id}`)).body.status).toBe('requires_action');
      const fresh = await gw.api<{ status: string; attempts: Array<{ provider_transaction_id: string | null }> }>(key, 'GET', `/v1/payments/${p.id}?refresh=true`);
      expect(fresh.body.status).toBe('succeeded');
      expect(fresh.body.attempts[0]!.provider_transaction_id).toBeTruthy();
    } finally {
      await sim('/_faults', { drop_notifications: false });
    }
  });

  it('documents every error code in docs/errors.md', () => {
    const doc = fs.readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    for (const code of Object.keys(ERROR_CATALOG)) expect(doc, code).toContain(`\`${code}\``);
  });
});
