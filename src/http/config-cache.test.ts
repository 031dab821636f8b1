/**
 * Cached configuration across two nodes on one PostgreSQL and one Redis. The cache TTL is a
 * minute here, so a change seen at once on the other node can only have come through the
 * Redis broadcast.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type Gateway } from '../test-support/harness.js';
import { startTwoNodes } from '../test-support/two-nodes.js';

interface Key { id: string; secret_key: string }

describe('config cache invalidation across nodes (Redis pub/sub)', () => {
  let a: Gateway;
  let b: Gateway;
  let mid: string;
  beforeAll(async () => {
    [a, b] = await startTwoNodes();
    mid = (await a.admin<{ id: string }>('POST', '/admin/merchants', { name: 'Cache' })).body.id;
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  const newKey = async () => (await a.admin<Key>('POST', `/admin/merchants/${mid}/api_keys`, {})).body;
  const status = async (gw: Gateway, key: string, priority?: string) => (await gw.api(key, 'GET', '/v1/payments?limit=1', undefined, priority ? { 'paygate-priority': priority } : {})).status;

  it('serves a key from the cache until it is invalidated (a change behind its back goes unseen)', async () => {
    const k = await newKey();
    expect(await status(b, k.secret_key)).toBe(200);
    // Revoked in the database without going through the API: no invalidation is sent.
    await a.rt.ctx.db.updateTable('api_keys').set({ revoked_at: Date.now() }).where('id', '=', k.id).execute();
    expect(await status(a, k.secret_key)).toBe(401); // never cached on a
    await new Promise((r) => setTimeout(r, 300));
    expect(await status(b, k.secret_key)).toBe(200); // still cached on b
  });

  it('refuses a key on node B right after node A revokes it', async () => {
    const k = await newKey();
    expect(await status(b, k.secret_key)).toBe(200);
    expect((await a.admin('DELETE', `/admin/merchants/${mid}/api_keys/${k.id}`)).status).toBe(200);
    const t0 = Date.now();
    await waitFor(async () => (await status(b, k.secret_key)) === 401, { timeoutMs: 2000, intervalMs: 10, what: 'node B refuses the revoked key' });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('applies a settings change made on node A on node B at once', async () => {
    const k = await newKey();
    expect(await status(b, k.secret_key, 'high')).toBe(403);
    await a.admin('PATCH', `/admin/merchants/${mid}/api_keys/${k.id}`, { allowed_priorities: ['high'] });
    await waitFor(async () => (await status(b, k.secret_key, 'high')) === 200, { timeoutMs: 2000, intervalMs: 10, what: 'node B allows high' });
    expect(await status(b, k.secret_key, 'normal')).toBe(403);
  });
});
