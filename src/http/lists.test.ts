/**
 * Issue 13: every list endpoint reads like Stripe's. Each GET operation of the served OpenAPI
 * document that takes `limit` is called (so a list added later is checked too): the answer is
 * `{object: 'list', data, has_more, url}`, pages walk by starting_after without gaps or
 * repeats, and bad parameters — unknown, a limit that is not a number, a cursor that is not an
 * id — are refused with VALIDATION.INVALID_QUERY naming the field and saying what to send.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxMerchant, startGateway, waitFor, type Gateway } from '../test-support/harness.js';

type List = { object: string; data: Array<{ id?: string }>; has_more: boolean; url: string };
type Problem = { error: { code: string; message: string }; errors: Array<{ field: string; code: string; message: string }> };

describe('list endpoints', () => {
  let gw: Gateway;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;
  let eventId = '';
  let runId = '';
  let lists: string[] = [];

  beforeAll(async () => {
    gw = await startGateway({ db: 'sqlite' });
    m = await sandboxMerchant(gw);
    for (let i = 0; i < 5; i++) {
      const r = await gw.api(m.key, 'POST', '/v1/payments', { amount: 100 + i, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `LIST-${i}` });
      expect(r.status).toBe(201);
    }
    const canceled = await gw.api<{ id: string }>(m.key, 'POST', '/v1/payments', { amount: 999, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'LIST-C' });
    await gw.api(m.key, 'POST', `/v1/payments/${canceled.body.id}/cancel`);
    eventId = await waitFor(async () => (await gw.api<List>(m.key, 'GET', '/v1/events')).body.data[0]?.id, { what: 'an event' });
    // A reconciliation run of today's Alipay bill (Asia/Shanghai), for the list of its differences.
    const day = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const run = await gw.admin<{ id: string }>('POST', '/admin/reconciliation_runs', { provider_account_id: m.accountId, day });
    expect(run.status).toBe(202);
    runId = run.body.id;
    await waitFor(async () => (await gw.admin<{ status: string }>('GET', `/admin/reconciliation_runs/${runId}`)).body.status !== 'running', { what: 'the run' });
    // Risk list entries, so that list has pages to walk.
    const entries = await gw.admin('POST', `/admin/merchants/${m.id}/risk/lists`, { entries: ['198.51.100.0/24', '203.0.113.9', '2001:db8::/32'].map((value) => ({ list: 'ip', action: 'block', value })) });
    expect(entries.status).toBe(200);
    const doc = (await (await fetch(`${gw.url}/openapi.json`)).json()) as { paths: Record<string, { get?: { parameters?: Array<{ name: string; in: string }> } }> };
    lists = Object.entries(doc.paths).filter(([, ops]) => ops.get?.parameters?.some((p) => p.in === 'query' && p.name === 'limit')).map(([p]) => p);
  });
  afterAll(async () => {
    await gw?.stop();
  });

  /** The concrete path of a documented list, and who may call it. */
  const concrete = (p: string): string => {
    if (p === '/v1/events/{id}/deliveries') return `/v1/events/${eventId}/deliveries`;
    if (p === '/admin/merchants/{id}/api_keys') return `/admin/merchants/${m.id}/api_keys`;
    if (p === '/admin/reconciliation_runs/{id}/differences') return `/admin/reconciliation_runs/${runId}/differences`;
    if (p === '/admin/merchants/{id}/risk/lists') return `/admin/merchants/${m.id}/risk/lists`;
    expect(p, `no test value for the path parameters of list ${p}: add one here`).not.toContain('{');
    return p;
  };
  const call = <T>(path: string) => (path.startsWith('/admin/') ? gw.admin<T>('GET', path) : gw.api<T>(m.key, 'GET', path));

  it('the document lists every list endpoint', () => {
    expect(lists).toEqual(expect.arrayContaining(['/v1/payments', '/v1/refunds', '/v1/disputes', '/v1/webhook_endpoints', '/v1/events', '/v1/events/{id}/deliveries', '/admin/merchants', '/admin/merchants/{id}/api_keys', '/admin/jobs', '/admin/reconciliation_runs', '/admin/reconciliation_runs/{id}/differences', '/admin/merchants/{id}/risk/lists']));
  });

  it('every list answers {object: list, data, has_more, url}', async () => {
    for (const p of lists) {
      const path = concrete(p);
      const r = await call<List>(path);
      expect(r.status, path).toBe(200);
      expect(r.body.object, path).toBe('list');
      expect(Array.isArray(r.body.data), path).toBe(true);
      expect(typeof r.body.has_more, path).toBe('boolean');
      expect(r.body.url, path).toBe(path);
    }
  });

  it('every list refuses unknown parameters, a limit that is not a whole number, and a cursor that is not an id', async () => {
    for (const p of lists) {
      const path = concrete(p);
      const unknown = await call<Problem>(`${path}?limt=5`);
      expect(unknown.status, path).toBe(400);
      expect(unknown.body.error.code).toBe('VALIDATION.INVALID_QUERY');
      expect(unknown.body.errors).toContainEqual(expect.objectContaining({ field: 'limt', code: 'unknown_field' }));

      for (const bad of ['abc', '2.5']) {
        const limit = await call<Problem>(`${path}?limit=${bad}`);
        expect(limit.status, `${path} limit=${bad}`).toBe(400);
        expect(limit.body.errors[0]).toMatchObject({ field: 'limit' });
        expect(limit.body.errors[0]!.message).toContain('whole number from 1 to 100');
        expect(limit.body.errors[0]!.message).not.toContain('NaN');
      }

      const cursor = await call<Problem>(`${path}?starting_after=${encodeURIComponent("' OR 1=1 --")}`);
      expect(cursor.status, path).toBe(400);
      expect(cursor.body.errors[0]).toMatchObject({ field: 'starting_after' });
      expect(cursor.body.errors[0]!.message).toContain('id of the last object');
    }
  });

  it('pages walk the whole list by starting_after: newest first, no gaps, no repeats, has_more false at the end', async () => {
    const all = (await gw.api<List>(m.key, 'GET', '/v1/payments?limit=100')).body;
    expect(all.data.length).toBeGreaterThanOrEqual(6);
    const seen: string[] = [];
    let after = '';
    for (;;) {
      const page = (await gw.api<List>(m.key, 'GET', `/v1/payments?limit=2${after ? `&starting_after=${after}` : ''}`)).body;
      seen.push(...page.data.map((d) => d.id!));
      if (!page.has_more) break;
      after = page.data.at(-1)!.id!;
    }
    expect(seen).toEqual(all.data.map((d) => d.id));
    expect([...seen].sort().reverse()).toEqual(seen);
  });

  it('an unknown route says where the routes are', async () => {
    const r = await gw.api<Problem>(m.key, 'GET', '/v1/paymnets');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('RESOURCE.NOT_FOUND');
    expect(r.body.error.message).toContain('/docs');
  });
});
