import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../test-support/harness.js';
import { apiKeyListSchema } from './admin-api-keys-list.js';

type Keys = { object: 'list'; data: Array<{ id: string; mode: string; prefix: string; revoked: boolean; revoked_at: string | null; created_at: string }>; has_more: boolean };

describe('GET /admin/merchants/{id}/api_keys', () => {
  let gw: Gateway;
  beforeAll(async () => { gw = await startGateway({ db: 'sqlite' }); });
  afterAll(async () => { await gw?.stop(); });

  it('lists every key with prefix, mode, created_at and revoked_at — never the secret or its hash', async () => {
    const m = (await gw.admin<{ id: string; secret_key: string; api_key_id: string }>('POST', '/admin/merchants', { name: 'Keys Shop' })).body;
    const live = (await gw.admin<{ id: string; secret_key: string }>('POST', `/admin/merchants/${m.id}/api_keys`, { mode: 'live', rate_limit: 7 })).body;
    expect((await gw.admin('DELETE', `/admin/merchants/${m.id}/api_keys/${m.api_key_id}`)).status).toBe(200);

    const r = await gw.admin<Keys>('GET', `/admin/merchants/${m.id}/api_keys`);
    expect(r.status).toBe(200);
    apiKeyListSchema.parse(r.body); // strict: no field beyond the documented ones (no key_hash)
    expect(r.body.data.map((k) => [k.id, k.mode, k.revoked, k.revoked_at !== null])).toEqual([[live.id, 'live', false, false], [m.api_key_id, 'test', true, true]]);
    expect(r.body.data[0]).toMatchObject({ prefix: live.secret_key.slice(0, 12), rate_limit: 7 });
    expect(r.body.data[1]!.prefix).toBe(m.secret_key.slice(0, 12));
    const text = JSON.stringify(r.body);
    for (const secret of [m.secret_key, live.secret_key]) expect(text).not.toContain(secret);
    const hashes = await gw.rt.ctx.db.selectFrom('api_keys').select('key_hash').where('merchant_id', '=', m.id).execute();
    for (const h of hashes) expect(text).not.toContain(h.key_hash);

    const page = await gw.admin<Keys>('GET', `/admin/merchants/${m.id}/api_keys?limit=1`);
    expect(page.body.data.map((k) => k.id)).toEqual([live.id]);
    expect(page.body.has_more).toBe(true);
    const next = await gw.admin<Keys>('GET', `/admin/merchants/${m.id}/api_keys?limit=1&starting_after=${live.id}`);
    expect(next.body.data.map((k) => k.id)).toEqual([m.api_key_id]);
    expect(next.body.has_more).toBe(false);
  });

  it('is admin-only and answers 404 for an unknown merchant', async () => {
    const m = (await gw.admin<{ id: string; secret_key: string }>('POST', '/admin/merchants', { name: 'Other' })).body;
    expect((await gw.api(m.secret_key, 'GET', `/admin/merchants/${m.id}/api_keys`)).status).toBe(401);
    const missing = await gw.admin<{ error: { code: string } }>('GET', '/admin/merchants/mch_00000000000000000000000000/api_keys');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('MERCHANT.NOT_FOUND');
  });
});
