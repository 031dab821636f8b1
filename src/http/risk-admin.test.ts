/**
 * The risk admin API through HTTP on both databases: rules saved as versions and refused
 * whole (with positions) before anything is stored; list entries validated, normalised,
 * upserted, paged and deleted per merchant; and the decision's loader seeing each change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRiskConfig } from '../app/risk/config.js';
import { SAMPLE_PAYMENTS, type Attributes } from '../domain/risk/index.js';
import { DB_KINDS, startGateway, waitFor, type Gateway } from '../test-support/harness.js';
import { startTwoNodes } from '../test-support/two-nodes.js';

interface RuleSet { object: string; merchant_id: string; version: number; rules: Array<Record<string, unknown>>; created_at: string | null; created_by: string | null }
interface Entry { id: string; list: string; action: string; value: string; expires_at: number | null; expired: boolean; deleted?: boolean }
interface Entries { object: 'list'; data: Entry[]; has_more: boolean }
interface ErrorBody { error: { code: string; message: string; field?: string; problems?: Array<{ rule?: string; index: number; field: string; line?: number; column?: number; offset?: number }> } }

const bigSpender = { name: 'big_spender', when: 'amount > 500000', action: 'review', mode: 'active' };
const foreignIp = { name: 'foreign_ip', when: 'ip_country != payer_country', action: 'block', mode: 'shadow', score: 40 };
const attrs = (over: Partial<Attributes>): Attributes => ({ ...SAMPLE_PAYMENTS[0]!, ...over });

async function newMerchant(gw: Gateway, name: string): Promise<string> {
  return (await gw.admin<{ id: string }>('POST', '/admin/merchants', { name })).body.id;
}

describe.each(DB_KINDS)('risk admin API on %s', (db) => {
  let gw: Gateway;
  let mid: string;
  beforeAll(async () => {
    gw = await startGateway({ db, env: { PAYGATE_WORKER: 'false' } });
    mid = await newMerchant(gw, 'Risky Shop');
  }, 60_000);
  afterAll(async () => { await gw?.stop(); });

  const rules = (m = mid) => `/admin/merchants/${m}/risk/rules`;
  const lists = (m = mid) => `/admin/merchants/${m}/risk/lists`;

  it('answers version 0 with no rules, then saves every PUT as the next version and keeps the older ones', async () => {
    const none = await gw.admin<RuleSet>('GET', rules());
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ object: 'risk_rule_set', merchant_id: mid, version: 0, rules: [], created_at: null });

    const v1 = await gw.admin<RuleSet>('PUT', rules(), { rules: [bigSpender], created_by: 'ops@shop' });
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ version: 1, rules: [bigSpender], created_by: 'ops@shop' });
    expect(v1.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const v2 = await gw.admin<RuleSet>('PUT', rules(), { rules: [bigSpender, foreignIp] });
    expect(v2.body).toMatchObject({ version: 2, rules: [bigSpender, foreignIp], created_by: null });

    expect((await gw.admin<RuleSet>('GET', rules())).body).toMatchObject({ version: 2, rules: [bigSpender, foreignIp] });
    expect((await gw.admin<RuleSet>('GET', `${rules()}?version=1`)).body).toMatchObject({ version: 1, rules: [bigSpender] });
    const missing = await gw.admin<ErrorBody>('GET', `${rules()}?version=9`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('RISK.RULE_VERSION_NOT_FOUND');
    expect(missing.body.error.message).toContain('1 to 2');
  });

  it('refuses a bad set whole, with the problem located, and saves nothing', async () => {
    const before = (await gw.admin<RuleSet>('GET', rules())).body;
    const bad = await gw.admin<ErrorBody>('PUT', rules(), { rules: [bigSpender, { name: 'broken', when: 'amount >', action: 'block', mode: 'active' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('RISK.INVALID_RULE');
    expect(bad.body.error.message).toMatch(/rule "broken" \(rules\[1\]\)\.when, line 1, column \d+/);
    expect(bad.body.error.problems?.[0]).toMatchObject({ rule: 'broken', index: 1, field: 'when', line: 1 });
    expect(bad.body.error.problems?.[0]?.column).toBeGreaterThan(0);

    const unknownAttr = await gw.admin<ErrorBody>('PUT', rules(), { rules: [{ name: 'ghost', when: 'shoe_size > 40', action: 'review', mode: 'active' }] });
    expect(unknownAttr.status).toBe(400);
    expect(unknownAttr.body.error.code).toBe('RISK.INVALID_RULE');
    expect(unknownAttr.body.error.message).toContain('shoe_size');
    expect(unknownAttr.body.error.problems?.[0]).toMatchObject({ index: 0, field: 'when', line: 1, column: 1 });

    const unknownField = await gw.admin<ErrorBody>('PUT', rules(), { rules: [{ ...bigSpender, priority: 3 }] });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.code).toBe('RISK.INVALID_RULE');
    expect(unknownField.body.error.problems?.[0]).toMatchObject({ index: 0, field: 'priority' });

    const notArray = await gw.admin<ErrorBody>('PUT', rules(), { rules: { name: 'x' } });
    expect(notArray.status).toBe(400);
    expect(notArray.body.error.code).toBe('RISK.INVALID_RULE');
    expect(notArray.body.error.message).toContain('JSON array');
    const noRules = await gw.admin<ErrorBody>('PUT', rules(), { force: true });
    expect(noRules.status).toBe(400);
    expect(noRules.body.error).toMatchObject({ code: 'VALIDATION.INVALID_BODY', field: 'rules' });

    const everything = { name: 'everything', when: 'amount > 0', action: 'block', mode: 'active' };
    const broad = await gw.admin<ErrorBody>('PUT', rules(), { rules: [everything] });
    expect(broad.status).toBe(422);
    expect(broad.body.error.code).toBe('RISK.RULE_TOO_BROAD');
    expect((await gw.admin<RuleSet>('GET', rules())).body).toEqual(before);

    const forced = await gw.admin<RuleSet>('PUT', rules(), { rules: [everything], force: true });
    expect(forced.status).toBe(200);
    expect(forced.body.version).toBe(before.version + 1);
  });

  it('answers MERCHANT.NOT_FOUND for an unknown merchant and is admin-only', async () => {
    const ghost = 'mch_00000000000000000000000000';
    for (const [method, url, body] of [['GET', rules(ghost)], ['PUT', rules(ghost), { rules: [] }], ['GET', lists(ghost)], ['POST', lists(ghost), { list: 'ip', action: 'block', value: '10.0.0.1' }]] as const) {
      const r = await gw.admin<ErrorBody>(method, url, body);
      expect(r.status, `${method} ${url}`).toBe(404);
      expect(r.body.error.code).toBe('MERCHANT.NOT_FOUND');
    }
    expect((await gw.api('not-the-admin-token', 'GET', rules())).status).toBe(401);
  });

  it('saves one entry or a bulk of them, normalised, and upserts by list and value', async () => {
    const m = await newMerchant(gw, 'Lists Shop');
    const one = await gw.admin<Entries>('POST', lists(m), { list: 'email', action: 'block', value: 'Fraud@Example.COM' });
    expect(one.status).toBe(200);
    expect(one.body.data).toMatchObject([{ list: 'email', action: 'block', value: 'fraud@example.com', expires_at: null, expired: false }]);
    expect(one.body.data[0]!.id).toMatch(/^rle_[0-9a-z]{26}$/);

    const bulk = await gw.admin<Entries>('POST', lists(m), { entries: [
      { list: 'ip', action: 'block', value: '198.51.100.0/24' },
      { list: 'ip', action: 'allow', value: '2001:DB8::/32' },
      { list: 'ip', action: 'review', value: '203.0.113.7' },
      { list: 'country', action: 'review', value: 'kp' },
      { list: 'device', action: 'block', value: 'dev_42', expires_at: Date.now() - 1000 },
    ] });
    expect(bulk.status).toBe(200);
    expect(bulk.body.data.map((e) => [e.list, e.value, e.expired])).toEqual([
      ['ip', '198.51.100.0/24', false], ['ip', '2001:db8::/32', false], ['ip', '203.0.113.7', false], ['country', 'KP', false], ['device', 'dev_42', true],
    ]);

    // The same e-mail in another spelling is the same entry: updated, same id, not a second row.
    const again = await gw.admin<Entries>('POST', lists(m), { list: 'email', action: 'review', value: 'FRAUD@example.com', expires_at: Date.now() + 3_600_000 });
    expect(again.body.data[0]).toMatchObject({ id: one.body.data[0]!.id, action: 'review', expired: false });
    expect(again.body.data[0]!.expires_at).toBeGreaterThan(Date.now());
    const all = await gw.admin<Entries>('GET', `${lists(m)}?limit=100`);
    expect(all.body.data).toHaveLength(6);
    expect(all.body.data.filter((e) => e.list === 'email')).toHaveLength(1);
    expect(all.body.data.find((e) => e.list === 'device')?.expired).toBe(true);
  });

  it('refuses a call with any bad entry and saves nothing of it', async () => {
    const m = await newMerchant(gw, 'Careful Shop');
    await gw.admin('POST', lists(m), { list: 'customer', action: 'allow', value: 'cus_vip' });
    const good = { list: 'ip', action: 'block', value: '192.0.2.1' };
    for (const [bad, message] of [
      [{ list: 'ip', action: 'block', value: '300.1.2.3' }, /not an IPv4 or IPv6 address or CIDR/],
      [{ list: 'ip', action: 'block', value: '10.0.0.0/33' }, /not an IPv4 or IPv6 address or CIDR|prefix/],
      [{ list: 'country', action: 'block', value: 'ZZ' }, /ISO 3166/],
      [{ list: 'ip', action: 'block', value: '192.0.2.9', colour: 'red' }, /unknown field "colour"/],
    ] as const) {
      const r = await gw.admin<ErrorBody>('POST', lists(m), { entries: [good, bad] });
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.body.error.code).toBe('RISK.INVALID_LIST_ENTRY');
      expect(r.body.error.message).toMatch(message);
      expect(r.body.error.field).toMatch(/^entries\[1\]\./);
    }
    const tooMany = await gw.admin<ErrorBody>('POST', lists(m), { entries: Array.from({ length: 1001 }, (_, i) => ({ list: 'device', action: 'block', value: `dev_${i}` })) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.code).toBe('RISK.LIST_TOO_LARGE');
    expect(tooMany.body.error.message).toMatch(/at most 1000 .*page the import/);
    const left = await gw.admin<Entries>('GET', lists(m));
    expect(left.body.data.map((e) => e.value)).toEqual(['cus_vip']);
  });

  it('takes a full page of 1,000 entries in one call', async () => {
    const m = await newMerchant(gw, 'Bulk Shop');
    const entries = Array.from({ length: 1000 }, (_, i) => ({ list: 'email', action: 'block', value: `someone.with.a.long.address.${i}@mail.example.com`, expires_at: 4_102_444_800_000 }));
    const r = await gw.admin<Entries>('POST', lists(m), { entries });
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(1000);
  });

  it('pages newest first, filters by list, and deletes only the merchant\'s own entries', async () => {
    const m = await newMerchant(gw, 'Paging Shop');
    const other = await newMerchant(gw, 'Other Shop');
    const saved = (await gw.admin<Entries>('POST', lists(m), { entries: ['a', 'b', 'c'].map((v) => ({ list: 'device', action: 'block', value: `dev_${v}` })).concat([{ list: 'ip', action: 'block', value: '10.9.8.7' }]) })).body.data;
    const ids = saved.map((e) => e.id).sort().reverse();
    const p1 = await gw.admin<Entries>('GET', `${lists(m)}?limit=3`);
    expect(p1.body.data.map((e) => e.id)).toEqual(ids.slice(0, 3));
    expect(p1.body.has_more).toBe(true);
    const p2 = await gw.admin<Entries>('GET', `${lists(m)}?limit=3&starting_after=${p1.body.data[2]!.id}`);
    expect(p2.body.data.map((e) => e.id)).toEqual(ids.slice(3));
    expect(p2.body.has_more).toBe(false);
    expect((await gw.admin<Entries>('GET', `${lists(m)}?list=ip`)).body.data.map((e) => e.value)).toEqual(['10.9.8.7']);
    expect((await gw.admin<ErrorBody>('GET', `${lists(m)}?list=phone`)).status).toBe(400);

    const target = saved[0]!;
    const foreign = await gw.admin<ErrorBody>('DELETE', `${lists(other)}/${target.id}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('RISK.LIST_ENTRY_NOT_FOUND');
    const del = await gw.admin<Entry>('DELETE', `${lists(m)}/${target.id}`);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ id: target.id, value: 'dev_a', deleted: true });
    expect((await gw.admin<ErrorBody>('DELETE', `${lists(m)}/${target.id}`)).status).toBe(404);
    expect((await gw.admin<Entries>('GET', lists(m))).body.data).toHaveLength(3);
  });

  it('documents every risk route, its body and its answer in the OpenAPI document', async () => {
    const docu = (await (await fetch(`${gw.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }; responses: Record<string, unknown> }>>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(docu.paths[rules('{id}')] ?? {}).sort()).toEqual(['get', 'put']);
    expect(Object.keys(docu.paths[lists('{id}')] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(docu.paths[`${lists('{id}')}/{entry_id}`] ?? {})).toEqual(['delete']);
    const put = docu.paths[rules('{id}')]!.put!.requestBody!.content['application/json']!.schema as { properties: { rules: { type: string; items: { properties: Record<string, unknown> } } } };
    expect(Object.keys(put.properties.rules.items.properties).sort()).toEqual(['action', 'mode', 'name', 'score', 'when']);
    const post = docu.paths[lists('{id}')]!.post!.requestBody!.content['application/json']!.schema as { oneOf: unknown[] };
    expect(post.oneOf).toHaveLength(2);
    for (const name of ['RiskRuleSet', 'RiskListEntry', 'RiskListEntryList', 'RiskListEntriesSaved']) expect(docu.components.schemas[name], name).toBeDefined();
  });

  it('loadRiskConfig: empty for a merchant with nothing, then sees every change made through the API', async () => {
    const m = await newMerchant(gw, 'Loader Shop');
    const ctx = gw.rt.ctx;
    const empty = await loadRiskConfig(ctx, m);
    expect(empty.version).toBe(0);
    expect(empty.rules.rules).toHaveLength(0);
    expect(empty.lists.size).toBe(0);
    expect(await loadRiskConfig(ctx, m)).toBe(empty); // cached

    await gw.admin('PUT', rules(m), { rules: [bigSpender] });
    const withRules = await loadRiskConfig(ctx, m);
    expect(withRules.version).toBe(1);
    expect(withRules.rules.rules.map((r) => r.name)).toEqual(['big_spender']);
    expect(await loadRiskConfig(ctx, m)).toBe(withRules); // compiled once, not per call

    const added = (await gw.admin<Entries>('POST', lists(m), { entries: [{ list: 'ip', action: 'block', value: '198.51.100.0/24' }, { list: 'ip', action: 'allow', value: '198.51.100.7' }] })).body.data;
    const withLists = await loadRiskConfig(ctx, m);
    expect(withLists.version).toBe(1);
    expect(withLists.lists.hits(attrs({ client_ip: '198.51.100.9' }), Date.now()).action).toBe('block');
    // allow > block, however the entries overlap
    expect(withLists.lists.hits(attrs({ client_ip: '198.51.100.7' }), Date.now()).action).toBe('allow');

    await gw.admin('DELETE', `${lists(m)}/${added[0]!.id}`);
    expect((await loadRiskConfig(ctx, m)).lists.hits(attrs({ client_ip: '198.51.100.9' }), Date.now()).action).toBeUndefined();
  });
});

describe('risk config across two nodes (PostgreSQL, Redis broadcast)', () => {
  let a: Gateway;
  let b: Gateway;
  beforeAll(async () => {
    // A minute of cache TTL: a change seen at once on b can only have come through the broadcast.
    [a, b] = await startTwoNodes();
  }, 60_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('drops node B\'s cached config when node A changes the rules or the lists', async () => {
    const m = await newMerchant(a, 'Two Nodes');
    expect((await loadRiskConfig(b.rt.ctx, m)).version).toBe(0);
    await a.admin('PUT', `/admin/merchants/${m}/risk/rules`, { rules: [bigSpender] });
    await waitFor(async () => (await loadRiskConfig(b.rt.ctx, m)).version === 1, { timeoutMs: 2000, intervalMs: 10, what: 'node B sees version 1' });

    await a.admin('POST', `/admin/merchants/${m}/risk/lists`, { list: 'device', action: 'block', value: 'dev_bad' });
    await waitFor(async () => (await loadRiskConfig(b.rt.ctx, m)).lists.hits(attrs({ device_id: 'dev_bad' }), Date.now()).action === 'block',
      { timeoutMs: 2000, intervalMs: 10, what: 'node B sees the device block' });
  });
});
