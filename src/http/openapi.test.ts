/**
 * The served OpenAPI document: lint clean under @redocly/cli's recommended rules (docs/adr/0002-dependencies.md),
 * every operation and webhook with the schema of what it answers or sends, webhook payloads
 * for every event type, the operator endpoints, examples that are valid objects; answers
 * the gateway really gives match their schemas; /docs is Paygate's.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxMerchant, startGateway, waitFor, type Gateway } from '../test-support/harness.js';
import { EVENT_TYPES } from './schemas.js';
import { paymentList, paymentObject, refundObject, eventList } from './routes/objects.js';

type Responses = Record<string, { content?: Record<string, { schema?: unknown }>; headers?: Record<string, unknown> }>;
type Operation = { operationId?: string; responses: Responses; requestBody?: { content: Record<string, { schema?: { $ref?: string } }> } };
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  webhooks: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { examples?: unknown[]; properties?: Record<string, { const?: string }> }> };
  info: { title: string };
};
type Problem = { ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> };

const redocly = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');
// Operations that truly answer no 4xx: ops traffic is never refused (http/admission.ts) and takes no input.
const NO_4XX = new Set(['#/paths/~1healthz/get/responses', '#/paths/~1readyz/get/responses']);

describe('the OpenAPI document', () => {
  let gw: Gateway;
  let doc: Doc;
  beforeAll(async () => {
    gw = await startGateway({ db: 'sqlite' });
    doc = (await (await fetch(`${gw.url}/openapi.json`)).json()) as Doc;
  }, 60_000);
  afterAll(async () => gw?.stop());

  it('is lint clean with @redocly/cli (recommended rules)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-openapi-'));
    const file = path.join(dir, 'openapi.json');
    fs.writeFileSync(file, JSON.stringify(doc));
    // Offline: no telemetry, no update check. Exit code 1 on errors, so read the report either way.
    const run = await promisify(execFile)(process.execPath, [redocly, 'lint', file, '--format', 'json'], {
      cwd: dir, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' }, maxBuffer: 32 << 20,
    }).catch((err: { stdout: string }) => err);
    fs.rmSync(dir, { recursive: true, force: true });
    const report = JSON.parse(run.stdout) as { problems: Problem[] };
    const problems = report.problems
      .filter((p) => !(p.ruleId === 'operation-4xx-response' && NO_4XX.has(p.location[0]?.pointer ?? '')))
      .map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
    expect(problems).toEqual([]);
  }, 60_000);

  it('gives every operation a schema for its success answer, and every webhook its payload', () => {
    const missing: string[] = [];
    for (const [url, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const codes = Object.keys(op.responses).filter((c) => /^2/.test(c));
        if (codes.length === 0) {
          // The one redirect: 303 with a Location, no body.
          if (!Object.entries(op.responses).some(([c, r]) => c === '303' && r.headers?.Location)) missing.push(`${method} ${url}: no 2xx`);
          continue;
        }
        for (const c of codes) {
          const content = Object.values(op.responses[c]!.content ?? {});
          if (content.length === 0 || content.some((m) => !m.schema)) missing.push(`${method} ${url} ${c}`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(30);
    expect(Object.keys(doc.webhooks).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) {
      const ref = doc.webhooks[type]!.post!.requestBody!.content['application/json']!.schema!.$ref!;
      const component = doc.components.schemas[ref.replace('#/components/schemas/', '')];
      expect(component?.properties?.type?.const, type).toBe(type);
    }
  });

  it('documents /healthz, /readyz and /metrics, with a unique operationId everywhere', () => {
    expect(doc.paths['/healthz']?.get?.responses['200']?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Health' });
    expect(doc.paths['/readyz']?.get?.responses['503']).toBeDefined();
    expect(doc.paths['/metrics']?.get?.responses['200']?.content?.['text/plain']).toBeDefined();
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(ids.every(Boolean)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has examples of the payment and refund objects that are valid objects', () => {
    const { Payment, Refund } = doc.components.schemas;
    expect(Payment?.examples?.length).toBeGreaterThan(0);
    expect(Refund?.examples?.length).toBeGreaterThan(0);
    for (const e of Payment!.examples!) paymentObject.parse(e);
    for (const e of Refund!.examples!) refundObject.parse(e);
  });

  it('describes what the gateway really answers', async () => {
    const m = await sandboxMerchant(gw);
    const created = await gw.api<{ id: string; next_action: { qr_code: string } }>(m.key, 'POST', '/v1/payments', { amount: 8888, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'OPENAPI-1', metadata: { cart: '42' } });
    expect(created.status).toBe(201);
    paymentObject.parse(created.body);
    const pay = await fetch(`${gw.url}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: created.body.next_action.qr_code, outcome: 'success' }) });
    expect(pay.status).toBe(200);
    await waitFor(async () => ((await gw.api<{ status: string }>(m.key, 'GET', `/v1/payments/${created.body.id}`)).body.status === 'succeeded' ? true : undefined));
    paymentObject.parse((await gw.api(m.key, 'GET', `/v1/payments/${created.body.id}`)).body);
    paymentList.parse((await gw.api(m.key, 'GET', '/v1/payments')).body);
    const refund = await gw.api(m.key, 'POST', '/v1/refunds', { payment_id: created.body.id, amount: 1000 });
    expect(refund.status).toBe(201);
    refundObject.parse(refund.body);
    eventList.parse((await gw.api(m.key, 'GET', '/v1/events')).body);
  }, 30_000);

  it('serves /docs as Paygate\'s, not the framework\'s', async () => {
    const page = await (await fetch(`${gw.url}/docs/`)).text();
    expect(page).toContain('<title>Paygate API reference</title>');
    expect(page).not.toContain('<title>Swagger UI</title>');
    const init = await (await fetch(`${gw.url}/docs/static/swagger-initializer.js`)).text();
    const logo = /data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)/.exec(init)?.[1];
    expect(Buffer.from(logo ?? '', 'base64').toString('utf8')).toContain('<title>Paygate</title>');
  });
});
