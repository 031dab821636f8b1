/**
 * Issue 11, fault 4: the idempotency store must never hold a secret. Creating a webhook
 * endpoint with an Idempotency-Key used to store the whole answer, signing secret included,
 * in plain text for 24 h, and a replay showed it again even after the endpoint was deleted.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestHash } from '../app/idempotency.js';
import { DB_KINDS, sandboxMerchant, startGateway, startReceiver, waitFor, type Gateway } from '../test-support/harness.js';

interface Endpoint { id: string; object: string; url: string; events: string[]; secret?: string | null; secret_shown_once?: boolean }

describe.each(DB_KINDS)('idempotency store and secrets (%s)', (db) => {
  let gw: Gateway;
  beforeAll(async () => { gw = await startGateway({ db }); });
  afterAll(async () => { await gw?.stop(); });

  it('stores no secret for an endpoint create, replays it marked as shown once, and the first secret still signs', async () => {
    const receiver = await startReceiver(() => 200);
    try {
      const m = await sandboxMerchant(gw);
      const body = { url: receiver.url, events: ['payment.succeeded'] };
      const headers = { 'idempotency-key': `ep-${crypto.randomBytes(4).toString('hex')}` };
      const first = await gw.api<Endpoint>(m.key, 'POST', '/v1/webhook_endpoints', body, headers);
      expect(first.status).toBe(201);
      const secret = first.body.secret!;
      expect(secret).toMatch(/^whsec_/);
      expect(first.body.secret_shown_once).toBeUndefined();

      const rows = await gw.rt.ctx.db.selectFrom('idempotency_keys').selectAll().where('merchant_id', '=', m.id).execute();
      expect(rows).toHaveLength(1);
      const stored = rows[0]!.response_body ?? '';
      expect(stored).not.toContain(secret);
      expect(stored).not.toContain('whsec_');
      expect(JSON.parse(stored)).toMatchObject({ id: first.body.id, secret: null, secret_shown_once: true });

      const replay = await gw.api<Endpoint>(m.key, 'POST', '/v1/webhook_endpoints', body, headers);
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.text).not.toContain('whsec_');
      expect(replay.body).toEqual({ ...first.body, secret: null, secret_shown_once: true });

      // Deliveries are signed with the secret from the first answer.
      const p = (await gw.api<{ next_action: { qr_code: string } }>(m.key, 'POST', '/v1/payments', { amount: 500, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'IDEM-SECRET-1' })).body;
      await fetch(`${gw.url}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: p.next_action.qr_code, outcome: 'success' }) });
      const got = await waitFor(() => receiver.received[0], { what: 'the webhook' });
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(String(got.headers['paygate-signature']))!;
      expect(crypto.createHmac('sha256', secret).update(`${t}.${got.body}`).digest('hex')).toBe(v1);

      // After the endpoint is deleted the replay still shows no secret.
      expect((await gw.api(m.key, 'DELETE', `/v1/webhook_endpoints/${first.body.id}`)).status).toBe(200);
      const late = await gw.api<Endpoint>(m.key, 'POST', '/v1/webhook_endpoints', body, headers);
      expect(late.status).toBe(201);
      expect(late.text).not.toContain('whsec_');
      expect(late.body.secret).toBeNull();
    } finally {
      await receiver.close();
    }
  });

  it('the OpenAPI document says the secret is shown once', async () => {
    const doc = (await (await fetch(`${gw.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>> };
    expect(doc.paths['/v1/webhook_endpoints']!.post!.responses['201']!.description).toMatch(/`secret` is in this answer only.*`secret_shown_once: true`/);
  });

  it('a row stored before the fix (secret in clear) does not replay its secret', async () => {
    const m = await sandboxMerchant(gw);
    const body = { url: 'https://hooks.example.com/legacy', events: ['*'] };
    const secret = `whsec_${crypto.randomBytes(24).toString('base64url')}`;
    const answer = { id: 'we_01legacy0000000000000000000', object: 'webhook_endpoint', url: body.url, events: body.events, created_at: new Date().toISOString(), secret };
    const now = Date.now();
    await gw.rt.ctx.db.insertInto('idempotency_keys').values({
      merchant_id: m.id, idem_key: 'legacy-1', request_hash: requestHash('POST', '/v1/webhook_endpoints', JSON.stringify(body)),
      status: 'done', response_status: 201, response_body: JSON.stringify(answer), created_at: now, expires_at: now + 3600_000,
    }).execute();
    const replay = await gw.api<Endpoint>(m.key, 'POST', '/v1/webhook_endpoints', body, { 'idempotency-key': 'legacy-1' });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).not.toContain(secret);
    expect(replay.body).toEqual({ ...answer, secret: null, secret_shown_once: true });
  });

  it('no stored answer of any merchant route holds a Paygate secret', async () => {
    const receiver = await startReceiver(() => 200);
    try {
      const m = await sandboxMerchant(gw);
      const key = (k: string) => ({ 'idempotency-key': `${k}-${crypto.randomBytes(4).toString('hex')}` });
      await gw.api(m.key, 'POST', '/v1/webhook_endpoints', { url: receiver.url, events: ['*'] }, key('ep'));
      const pay = await gw.api<{ id: string }>(m.key, 'POST', '/v1/payments', { amount: 700, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'IDEM-SECRET-2' }, key('pay'));
      await gw.api(m.key, 'POST', `/v1/payments/${pay.body.id}/cancel`, {}, key('cancel'));
      const rows = await gw.rt.ctx.db.selectFrom('idempotency_keys').select(['idem_key', 'response_body']).where('merchant_id', '=', m.id).execute();
      expect(rows.length).toBeGreaterThanOrEqual(3);
      for (const r of rows) expect(r.response_body ?? '', r.idem_key).not.toMatch(/whsec_|sk_(test|live)_/);
    } finally {
      await receiver.close();
    }
  });
});
