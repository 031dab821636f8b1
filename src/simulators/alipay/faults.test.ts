import type { AlipaySdk } from 'alipay-sdk';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAlipaySimulator, type AlipaySimulator } from './index.js';
import { sdkFor } from './testkit.js';

let url: string;
let sim: AlipaySimulator;
let close: () => Promise<void>;
let sdk: AlipaySdk;

beforeAll(async () => {
  ({ url, sim, close } = await startAlipaySimulator({ port: 0, timeScale: 0.001 }));
  sdk = sdkFor(url, sim.registerApp(), sim.alipayPublicKeyPem, 1000);
});

afterEach(async () => {
  await postFaults({ latency_ms: 0, error_rate: 0, timeout_rate: 0 });
});

afterAll(async () => {
  await close();
});

const orderNo = () => `F${randomUUID().replace(/-/g, '')}`;
const precreate = (outTradeNo: string) =>
  sdk.exec('alipay.trade.precreate', { bizContent: { out_trade_no: outTradeNo, total_amount: '1.00', subject: 's' } }, { validateSign: true });

async function postFaults(body: unknown): Promise<Response> {
  return fetch(`${url}/sandbox/alipay/_faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('alipay simulator fault injection', () => {
  it('GET /_faults returns the current faults; POST validates', async () => {
    const initial = await (await fetch(`${url}/sandbox/alipay/_faults`)).json();
    expect(initial).toEqual({
      latency_ms: 0, error_rate: 0, timeout_rate: 0, drop_notifications: false, duplicate_notifications: false, duplicate_count: 2,
    });
    const set = await postFaults({ duplicate_count: 7 });
    expect(set.status).toBe(200);
    expect(((await set.json()) as { duplicate_count: number }).duplicate_count).toBe(7);
    expect(sim.faults.duplicate_count).toBe(7);
    for (const junk of [{ error_rate: 2 }, { latency_ms: -1 }, { drop_notifications: 'yes' }, { nonsense: 1 }, [1], 'x']) {
      const res = await postFaults(junk);
      expect(res.status, JSON.stringify(junk)).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBeTruthy();
    }
    expect(() => sim.setFaults({ error_rate: -0.5 })).toThrow(/error_rate/);
    await postFaults({ duplicate_count: 2 });
  });

  it('error_rate answers a signed 20000 isp.unknow-error and changes nothing', async () => {
    await postFaults({ error_rate: 1 });
    const outTradeNo = orderNo();
    const res = await precreate(outTradeNo);
    expect(res).toMatchObject({ code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error' });
    await postFaults({ error_rate: 0 });
    await expect(sim.pay(outTradeNo, 'success')).rejects.toMatchObject({ statusCode: 404 });
    expect((await precreate(outTradeNo)).code).toBe('10000');
  });

  it('timeout_rate makes gateway.do hang past the client timeout and changes nothing', async () => {
    await postFaults({ timeout_rate: 1 });
    const outTradeNo = orderNo();
    const started = Date.now();
    await expect(precreate(outTradeNo)).rejects.toThrow(/timeout/i);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await postFaults({ timeout_rate: 0 });
    await expect(sim.pay(outTradeNo, 'success')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('latency_ms delays answers', async () => {
    await postFaults({ latency_ms: 300 });
    const started = Date.now();
    expect((await precreate(orderNo())).code).toBe('10000');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});
