import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { AlipaySimulator } from './index.js';
import { Receiver, sdkFor, waitFor } from './testkit.js';

describe('alipay simulator as a plugin inside a host app', () => {
  const sim = new AlipaySimulator({ publicBaseUrl: () => 'http://host.example/sandbox/alipay/', timeScale: 0.001 });
  const host = Fastify();
  const receiver = new Receiver();

  afterAll(async () => {
    await host.close();
    await sim.close();
    await receiver.close();
  });

  it('keeps its form parser to itself and serves gateway.do under the prefix', async () => {
    await host.register(formbody);
    host.post('/host/echo', async (req) => ({ isMap: req.body instanceof Map, body: req.body }));
    await host.register(sim.plugin, { prefix: '/sandbox/alipay' });
    await host.listen({ port: 0, host: '127.0.0.1' });
    const origin = `http://127.0.0.1:${(host.server.address() as { port: number }).port}`;

    const echo = await host.inject({
      method: 'POST',
      url: '/host/echo',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=1&a=2&b=x',
    });
    // The host's @fastify/formbody still parses (duplicates allowed), untouched by the simulator's parser.
    expect(echo.json()).toEqual({ isMap: false, body: { a: ['1', '2'], b: 'x' } });

    const creds = sim.registerApp();
    const sdk = sdkFor(origin, creds, creds.alipay_public_key);
    await receiver.start();
    const pre = await sdk.exec(
      'alipay.trade.precreate',
      { notify_url: receiver.url, bizContent: { out_trade_no: 'plugin-1', total_amount: '2.50', subject: 's' } },
      { validateSign: true },
    );
    // publicBaseUrl is used as given (trailing slash trimmed), not derived from the request.
    expect(pre.qr_code).toMatch(/^http:\/\/host\.example\/sandbox\/alipay\/qr\/bax/);

    const paid = await host.inject({
      method: 'POST',
      url: '/sandbox/alipay/_payer/pay',
      payload: { reference: pre.qr_code, outcome: 'success' },
    });
    expect(paid.statusCode).toBe(200);
    await waitFor(() => receiver.forTrade('plugin-1').some((n) => n.fields.trade_status === 'TRADE_SUCCESS'));
  });

  it('lets a scanned trade expire on its own, notifying TRADE_CLOSED', async () => {
    const creds = sim.registerApp();
    const origin = `http://127.0.0.1:${(host.server.address() as { port: number }).port}`;
    const sdk = sdkFor(origin, creds, creds.alipay_public_key);
    const soon = new Date(Date.now() + 8 * 3600_000 + 2000).toISOString().slice(0, 19).replace('T', ' ');
    await sdk.exec('alipay.trade.precreate', {
      notify_url: receiver.url,
      bizContent: { out_trade_no: 'expire-1', total_amount: '1.00', subject: 's', time_expire: soon },
    });
    await sim.scan('expire-1');
    await waitFor(() => receiver.forTrade('expire-1').some((n) => n.fields.trade_status === 'TRADE_CLOSED'), 6000, 'expiry');
    const q = await sdk.exec('alipay.trade.query', { bizContent: { out_trade_no: 'expire-1' } }, { validateSign: true });
    expect(q.trade_status).toBe('TRADE_CLOSED');
    await expect(sim.pay('expire-1', 'success')).rejects.toMatchObject({ statusCode: 409 });
  });
});
