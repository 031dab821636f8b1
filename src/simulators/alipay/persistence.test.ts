import { AlipaySdk } from 'alipay-sdk';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startAlipaySimulator } from './index.js';
import { Receiver, sleep, waitFor } from './testkit.js';

const dataDir = mkdtempSync(join(tmpdir(), 'alipay-sim-'));
const receiver = new Receiver();

afterAll(async () => {
  await receiver.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('alipay simulator persistence', () => {
  it('keeps keys, apps, trades and pending notification retries across a restart', async () => {
    await receiver.start();
    receiver.respond = () => 'fail';

    const first = await startAlipaySimulator({ port: 0, dataDir, timeScale: 0.001 });
    const creds = first.sim.registerApp();
    const publicKey = first.sim.alipayPublicKeyPem;
    expect(existsSync(join(dataDir, 'alipay-keys.json'))).toBe(true);
    expect(existsSync(join(dataDir, 'alipay-sim.sqlite'))).toBe(true);
    expect(readFileSync(join(dataDir, 'alipay-keys.json'), 'utf8')).toContain(publicKey.trim().split('\n')[1]);

    const client = (url: string) =>
      new AlipaySdk({
        appId: creds.app_id,
        privateKey: creds.private_key as string,
        alipayPublicKey: publicKey,
        gateway: `${url}/sandbox/alipay/gateway.do`,
        camelcase: false,
      });
    const pre = await client(first.url).exec(
      'alipay.trade.precreate',
      { notify_url: receiver.url, bizContent: { out_trade_no: 'persist-1', total_amount: '12.00', subject: 's' } },
      { validateSign: true },
    );
    expect(pre.code).toBe('10000');
    const paid = await first.sim.pay('persist-1', 'success');
    await waitFor(() => receiver.received.some((n) => n.fields.trade_status === 'TRADE_SUCCESS'), 5000, 'first attempt');
    const notifyId = receiver.received.find((n) => n.fields.trade_status === 'TRADE_SUCCESS')?.fields.notify_id;
    await first.close();

    receiver.respond = () => 'success';
    const before = receiver.received.length;
    const second = await startAlipaySimulator({ port: 0, dataDir, timeScale: 0.001 });
    try {
      expect(second.sim.alipayPublicKeyPem).toBe(publicKey);
      // Same app credentials still work, and the SDK still accepts the responses' signatures.
      const q = await client(second.url).exec('alipay.trade.query', { bizContent: { out_trade_no: 'persist-1' } }, { validateSign: true });
      expect(q).toMatchObject({ code: '10000', trade_status: 'TRADE_SUCCESS', trade_no: paid.trade_no, total_amount: '12.00' });
      // The retry that was pending when the first instance stopped is delivered by the second.
      await waitFor(
        () => receiver.received.slice(before).some((n) => n.fields.notify_id === notifyId),
        5000,
        'retry after restart',
      );
      await sleep(300);
      const retried = receiver.received.slice(before).filter((n) => n.fields.notify_id === notifyId);
      expect(retried.length).toBeGreaterThanOrEqual(1);
      expect(retried[0]?.fields.trade_status).toBe('TRADE_SUCCESS');
    } finally {
      await second.close();
    }
  });

  it('without a data dir, every instance has fresh keys and no state', async () => {
    const a = await startAlipaySimulator({ port: 0 });
    const b = await startAlipaySimulator({ port: 0 });
    try {
      expect(a.sim.alipayPublicKeyPem).not.toBe(b.sim.alipayPublicKeyPem);
      await expect(b.sim.pay('persist-1', 'success')).rejects.toMatchObject({ statusCode: 404 });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
