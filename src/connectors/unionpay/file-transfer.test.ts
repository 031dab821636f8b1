// File transfer end to end: the connector's request to the simulator, its zip/ZM reader
// over the simulator's GBK fixed-width file, and 98 for a day without transactions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUnionpaySimulator } from '../../simulators/unionpay/index.js';
import type { ConnectorContext } from '../types.js';
import type { UnionpayCredentials } from './credentials.js';
import { buildFileTransfer, parseFileTransfer, parseZmFile, unionpayConnector, ZM_WIDTHS } from './index.js';
import { sent } from '../../test-support/wire.js';

describe('file transfer against the simulator', () => {
  let s: Awaited<ReturnType<typeof startUnionpaySimulator>>;
  let ctx: ConnectorContext<UnionpayCredentials>;
  const send = async (path: string, body: string) => {
    const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    return { status: res.status, headers: {}, body: await res.text() };
  };

  beforeAll(async () => {
    s = await startUnionpaySimulator({});
    ctx = { credentials: unionpayConnector.parseCredentials(s.sim.registerMerchant()), baseUrl: `${s.url}/sandbox/unionpay`, notifyUrl: 'http://127.0.0.1:9/n', now: new Date() };
  });
  afterAll(async () => s?.close());

  it('reads the ZM records of a paid order', async () => {
    const reference = `att_${'0'.repeat(10)}abcdefghjkmnpqrs`.replace('0'.repeat(10), '01hk0w4v00');
    const build = sent(unionpayConnector.create.build(ctx, { reference, amount: 1234, currency: 'CNY', description: 'x', expiresAt: new Date(Date.now() + 3600_000) }));
    const created = unionpayConnector.create.parse(ctx, { reference, amount: 1234, currency: 'CNY', description: 'x', expiresAt: new Date() }, await send(build.url, build.body ?? ''));
    expect(created.ok).toBe(true);
    s.sim.pay(reference.slice(4), 'success');
    const settleDate = new Date(Date.now() + 8 * 3600_000).toISOString().slice(5, 10).replace('-', '');
    const req = buildFileTransfer(ctx, settleDate);
    const result = parseFileTransfer(ctx, await send(req.url, req.body ?? ''));
    if (!result.ok || !('entries' in result)) throw new Error(JSON.stringify(result));
    const zm = result.entries.find((e) => e.name.includes('ZM_'));
    expect(zm).toBeDefined();
    const firstLine = zm!.data.subarray(0, zm!.data.indexOf(0x0d));
    expect(firstLine.length).toBe(ZM_WIDTHS.reduce((a, b) => a + b, 0) + ZM_WIDTHS.length - 1);
    const [record] = parseZmFile(zm!.data);
    expect(record).toMatchObject({ orderId: reference.slice(4), txnType: '01', amount: 1234 });
    expect(record!.fields[30]).toBe('银联沙箱商户');
  });

  it('reports no file (98) for a day without transactions', async () => {
    const req = buildFileTransfer(ctx, '0229');
    expect(parseFileTransfer(ctx, await send(req.url, req.body ?? ''))).toEqual({ ok: true, noFile: true });
  });
});
