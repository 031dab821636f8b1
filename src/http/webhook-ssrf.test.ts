/**
 * Issue 11, fault 2: a merchant-chosen webhook URL must not make Paygate call its own
 * network. Literal refused hosts are refused at registration (every notation the URL parser
 * accepts); host names are checked when the delivery connects, and a refused address is
 * never connected to. Nothing here sends traffic beyond loopback: refused addresses are
 * refused before any connection, and the delivery cases resolve to loopback only.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxMerchant, startGateway, waitFor, type Gateway } from '../test-support/harness.js';

interface ApiError { error: { code: string; message: string; field?: string } }

/** An HTTP server that counts TCP connections, so a test can prove nothing ever connected. */
async function countingServer(respond: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  let connections = 0;
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => respond(req, res));
  });
  server.on('connection', () => { connections++; });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port, requests,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function paySucceeded(gw: Gateway, key: string, orderId: string) {
  const created = await gw.api<{ id: string; next_action: { qr_code: string } }>(key, 'POST', '/v1/payments', { amount: 500, currency: 'CNY', method: 'alipay_qr', merchant_order_id: orderId });
  expect(created.status, created.text).toBe(201);
  const p = created.body;
  const res = await fetch(`${gw.url}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: p.next_action.qr_code, outcome: 'success' }) });
  expect(res.status).toBe(200);
  return p.id;
}

describe('webhook endpoint registration refuses literal hosts that reach inside', () => {
  let gw: Gateway;
  let key: string;
  // No loopback in the allow list: only what a production deployment gets by default.
  beforeAll(async () => {
    gw = await startGateway({ db: 'sqlite', env: { PAYGATE_WEBHOOK_ALLOWED_HOSTS: 'none' } });
    key = (await sandboxMerchant(gw)).key;
  });
  afterAll(async () => { await gw?.stop(); });

  // Grouped by what the refusal must say; each URL is its own case.
  const refusedBecause: Array<[RegExp, string[]]> = [
    [/169\.254\.169\.254 is link-local/, ['http://169.254.169.254/latest/meta-data/']],
    [/10\.0\.0\.1 is private/, ['http://10.0.0.1/hook']],
    [/private/, ['http://172.16.5.4/hook', 'https://192.168.1.1/hook', 'http://[::ffff:0:a00:1]/', 'http://[64:ff9b::a00:1]/']],
    [/carrier-grade NAT/, ['http://100.64.0.1/hook']],
    [/unique local/, ['http://[fd00:ec2::254]/latest/meta-data/']],
    [/127\.0\.0\.1 is loopback/, ['http://2130706433/']],
    [/loopback/, ['http://0x7f000001/', 'http://0177.0.0.1/', 'http://017700000001/', 'http://127.1/', 'http://127.0.0.1:5432/', 'http://127.0.0.1:6379/', 'http://[::1]:8080/', 'http://[0:0:0:0:0:0:0:1]/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'http://api.localhost/hook']],
    [/link-local/, ['http://[::ffff:169.254.169.254]/', 'http://[fe80::1]/']],
    [/NAT64/, ['http://[64:ff9b:1::1]/']],
    [/6to4/, ['http://[2002:7f00:1::]/']],
    [/Teredo/, ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/']],
    [/IPv4-compatible/, ['http://[::7f00:1]/']],
    [/multicast/, ['http://[ff02::1]/', 'http://224.0.0.1/']],
    [/broadcast/, ['http://255.255.255.255/']],
    [/unspecified/, ['http://0.0.0.0:8080/', 'http://[::]/']],
    [/reserved/, ['http://240.0.0.1/']],
    [/localhost is loopback/, ['http://localhost:8080/hook', 'http://LOCALHOST./hook']],
  ];
  const refused = refusedBecause.flatMap(([reason, urls]) => urls.map((url): [string, RegExp] => [url, reason]));
  it.each(refused)('%s → WEBHOOK_ENDPOINT.URL_FORBIDDEN', async (url, reason) => {
    const res = await gw.api<ApiError>(key, 'POST', '/v1/webhook_endpoints', { url, events: ['*'] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('WEBHOOK_ENDPOINT.URL_FORBIDDEN');
    expect(res.body.error.field).toBe('url');
    expect(res.body.error.message).toMatch(reason);
    expect(res.body.error.message).toContain('PAYGATE_WEBHOOK_ALLOWED_HOSTS');
  });

  it("refuses the gateway's own admin API", async () => {
    const res = await gw.api<ApiError>(key, 'POST', '/v1/webhook_endpoints', { url: `${gw.url}/admin/merchants`, events: ['*'] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('WEBHOOK_ENDPOINT.URL_FORBIDDEN');
  });

  it('refuses user:password@ in the URL and schemes other than http(s)', async () => {
    for (const url of ['https://user:pass@hooks.example.com/x', 'https://user@hooks.example.com/x']) {
      const res = await gw.api<ApiError>(key, 'POST', '/v1/webhook_endpoints', { url, events: ['*'] });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION.INVALID_BODY');
      expect(res.body.error.field).toBe('url');
      expect(res.body.error.message).toMatch(/user name or password/);
    }
    for (const url of ['ftp://hooks.example.com/x', 'file:///etc/passwd', 'gopher://127.0.0.1:6379/_INFO']) {
      const res = await gw.api<ApiError>(key, 'POST', '/v1/webhook_endpoints', { url, events: ['*'] });
      expect(res.status, url).toBe(400);
      expect(res.body.error.field).toBe('url');
    }
  });

  it('accepts host names (checked at delivery) and public addresses', async () => {
    for (const url of ['https://hooks.example.com/paygate', 'https://93.184.215.14/hook', 'https://[2606:4700:4700::1111]/hook']) {
      const res = await gw.api(key, 'POST', '/v1/webhook_endpoints', { url, events: ['*'] });
      expect(res.status, url).toBe(201);
    }
  });

  it('stores nothing for a refused URL', async () => {
    const m = await sandboxMerchant(gw);
    await gw.api(m.key, 'POST', '/v1/webhook_endpoints', { url: 'http://10.0.0.1/', events: ['*'] });
    const list = await gw.api<{ data: unknown[] }>(m.key, 'GET', '/v1/webhook_endpoints');
    expect(list.body.data).toHaveLength(0);
  });
});

describe('webhook delivery checks the address it connects to', () => {
  it('a host name that resolves to loopback is refused at delivery, never connected, and not retried', async () => {
    const target = await countingServer((_req, res) => res.writeHead(200).end('ok'));
    // Registered while loopback was allowed; the operator then tightened the policy.
    const first = await startGateway({ db: 'sqlite' });
    let gw: Gateway | undefined;
    try {
      const m = await sandboxMerchant(first, `http://localhost:${target.port}/hook`, ['payment.succeeded']);
      await first.close();
      // Same port: the sandbox provider accounts point at the in-process simulators there.
      const port = new URL(first.url).port;
      gw = await startGateway({ db: 'sqlite', dataDir: first.dataDir, env: { PORT: port, PAYGATE_WEBHOOK_ALLOWED_HOSTS: 'none' } });
      await paySucceeded(gw, m.key, 'SSRF-DNS-1');
      const db = gw.rt.ctx.db;
      const row = await waitFor(async () => {
        const r = await db.selectFrom('webhook_deliveries').selectAll().where('merchant_id', '=', m.id).executeTakeFirst();
        return r && r.attempts > 0 ? r : undefined;
      }, { what: 'a delivery attempt' });
      expect(row.status).toBe('failed');
      expect(row.attempts).toBe(1);
      expect(row.last_error).toMatch(/^address (127\.0\.0\.1|::1) of localhost is loopback; allow it with PAYGATE_WEBHOOK_ALLOWED_HOSTS/);
      // Retries would be 60 ms apart at this time scale: wait well past a few of them.
      await new Promise((r) => setTimeout(r, 600));
      const again = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
      expect(again.attempts).toBe(1);
      expect(await db.selectFrom('jobs').select('id').where('kind', '=', 'deliver_webhook').where('ref_id', '=', row.id).execute()).toHaveLength(0);

      // Resend does not get around it either.
      const resend = await gw.api(m.key, 'POST', `/v1/events/${row.event_id}/resend`);
      expect(resend.status).toBe(200);
      await waitFor(async () => {
        const r = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', row.id).executeTakeFirst();
        return r?.attempts === 2 && r.status === 'failed' ? r : undefined;
      }, { what: 'the resent delivery refused' });
      expect(target.connections()).toBe(0);
      expect(target.requests).toHaveLength(0);
    } finally {
      await gw?.stop();
      await first.stop();
      await target.close();
    }
  });

  it('a host named in PAYGATE_WEBHOOK_ALLOWED_HOSTS is delivered to; an address it does not name is refused', async () => {
    const target = await countingServer((_req, res) => res.writeHead(204).end());
    const gw = await startGateway({ db: 'sqlite', env: { PAYGATE_WEBHOOK_ALLOWED_HOSTS: 'localhost' } });
    try {
      const byAddress = await gw.api<ApiError>((await sandboxMerchant(gw)).key, 'POST', '/v1/webhook_endpoints', { url: `http://127.0.0.1:${target.port}/hook`, events: ['*'] });
      expect(byAddress.status).toBe(400);
      expect(byAddress.body.error.code).toBe('WEBHOOK_ENDPOINT.URL_FORBIDDEN');
      const m = await sandboxMerchant(gw, `http://localhost:${target.port}/hook`, ['payment.succeeded']);
      await paySucceeded(gw, m.key, 'SSRF-ALLOW-1');
      await waitFor(async () => {
        const r = await gw.rt.ctx.db.selectFrom('webhook_deliveries').selectAll().where('merchant_id', '=', m.id).executeTakeFirst();
        return r?.status === 'succeeded' ? r : undefined;
      }, { what: 'delivery to the allowed host' });
      expect(target.requests).toEqual(['POST /hook']);
    } finally {
      await gw.stop();
      await target.close();
    }
  });

  it('does not follow a redirect: a 302 to another address is a failed attempt and the target sees nothing', async () => {
    const inner = await countingServer((_req, res) => res.writeHead(200).end('secret metadata'));
    const redirector = await countingServer((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${inner.port}/admin/merchants` }).end());
    const gw = await startGateway({ db: 'sqlite' });
    try {
      const m = await sandboxMerchant(gw, `http://127.0.0.1:${redirector.port}/hook`, ['payment.succeeded']);
      await paySucceeded(gw, m.key, 'SSRF-302-1');
      const row = await waitFor(async () => {
        const r = await gw.rt.ctx.db.selectFrom('webhook_deliveries').selectAll().where('merchant_id', '=', m.id).executeTakeFirst();
        return r && r.attempts > 0 ? r : undefined;
      }, { what: 'a delivery attempt' });
      expect(row.status).toBe('pending'); // an ordinary failure: retried on the schedule
      expect(row.last_status_code).toBe(302);
      expect(row.last_error).toBe('HTTP 302');
      expect(redirector.requests.length).toBeGreaterThanOrEqual(1);
      expect(inner.connections()).toBe(0);
    } finally {
      await gw.stop();
      await redirector.close();
      await inner.close();
    }
  });
});

describe('the default policy', () => {
  it('embedded quick start: loopback allowed so the demo inbox works, and the banner says so', async () => {
    // An empty value means unset: the default applies.
    const gw = await startGateway({ db: 'sqlite', env: { PAYGATE_WEBHOOK_ALLOWED_HOSTS: '' } });
    try {
      expect(gw.rt.notes.some((n) => /webhooks may be delivered to loopback .*embedded quick start/.test(n))).toBe(true);
      const m = await sandboxMerchant(gw, `${gw.url}/sandbox/webhooks/inbox`, ['payment.succeeded']);
      const id = await paySucceeded(gw, m.key, 'SSRF-QUICK-1');
      await waitFor(async () => {
        const inbox = (await (await fetch(`${gw.url}/sandbox/webhooks/inbox`)).json()) as { data: Array<{ body: { data: { object: { id: string } } } }> };
        return inbox.data.find((d) => d.body.data.object.id === id);
      }, { what: 'the webhook in the demo inbox' });
      const res = await gw.api<ApiError>(m.key, 'POST', '/v1/webhook_endpoints', { url: 'http://169.254.169.254/latest/meta-data/', events: ['*'] });
      expect(res.body.error.code).toBe('WEBHOOK_ENDPOINT.URL_FORBIDDEN');
    } finally {
      await gw.stop();
    }
  });

  it('with DATABASE_URL: no exception, loopback refused, no banner line', async () => {
    const gw = await startGateway({ db: 'postgres', env: { PAYGATE_WEBHOOK_ALLOWED_HOSTS: '' } });
    try {
      expect(gw.rt.notes.some((n) => /webhooks may be delivered to loopback/.test(n))).toBe(false);
      const res = await gw.api<ApiError>((await sandboxMerchant(gw)).key, 'POST', '/v1/webhook_endpoints', { url: `${gw.url}/sandbox/webhooks/inbox`, events: ['*'] });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/address 127\.0\.0\.1 is loopback; allow it with PAYGATE_WEBHOOK_ALLOWED_HOSTS/);
    } finally {
      await gw.stop();
    }
  });
});
