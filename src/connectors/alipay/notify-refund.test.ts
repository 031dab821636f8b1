/**
 * Refunds made in Alipay's merchant portal, at the connector: the simulator makes one (its
 * "merchant portal refund" endpoint sends Alipay's real notification, out_biz_no chosen by
 * Alipay, refund_fee the running total); the connector asks for the refund query of that
 * out_biz_no as the notification's material — only once the signature verified — and turns
 * the pair into the port's outside refund (no refundReference). Paygate's own refunds
 * (out_biz_no = its re_… id) stay what they were.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlipaySimulator, type AlipaySimulator } from '../../simulators/alipay/index.js';
import { Receiver, waitFor } from '../../simulators/alipay/testkit.js';
import type { ConnectorContext, InboundNotification, WireRequest, WireResponse } from '../types.js';
import { newId } from '../../domain/ids.js';
import { alipayConnector, type AlipayCredentials } from './index.js';
import { sent } from '../../test-support/wire.js';

let sim: AlipaySimulator;
let close: () => Promise<void>;
let ctx: ConnectorContext<AlipayCredentials>;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
  let url: string;
  ({ url, sim, close } = await startAlipaySimulator({ port: 0, timeScale: 0.001 }));
  const app = sim.registerApp();
  ctx = { credentials: alipayConnector.parseCredentials(app), baseUrl: `${url}/sandbox/alipay`, notifyUrl: receiver.url, now: new Date() };
});
afterAll(async () => {
  await close();
  await receiver.close();
});

async function send(req: WireRequest): Promise<WireResponse> {
  const res = await fetch(req.url, { method: req.method, headers: req.headers, ...(req.body === undefined ? {} : { body: req.body }) });
  return { status: res.status, headers: {}, body: await res.text() };
}

/** A paid trade created through the connector, as Paygate would. */
async function paidTrade(amount = 10000): Promise<string> {
  const reference = `pay_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
  const input = { reference, amount, currency: 'CNY', description: 'portal', expiresAt: new Date(Date.now() + 900_000) };
  const req = alipayConnector.create.build({ ...ctx, now: new Date() }, input);
  if ('ok' in req) throw new Error(req.message);
  expect(alipayConnector.create.parse(ctx, input, await send(req)).ok).toBe(true);
  await sim.pay(reference, 'success');
  return reference;
}

const inbound = (raw: string): InboundNotification => ({ headers: {}, rawBody: raw, contentType: 'application/x-www-form-urlencoded; charset=utf-8' });

async function notificationFor(reference: string, predicate: (f: Record<string, string>) => boolean) {
  await waitFor(() => receiver.forTrade(reference).some((n) => predicate(n.fields)), 5000, 'notification');
  return receiver.forTrade(reference).find((n) => predicate(n.fields))!;
}

/** What the app does: material first (fetched only when asked for), then verification with it. */
async function verify(raw: string) {
  const c = { ...ctx, now: new Date() };
  const want = alipayConnector.notificationMaterial?.(c, inbound(raw));
  const material = want?.ok ? await send(want.request) : undefined;
  return { want, v: alipayConnector.verifyNotification(c, inbound(raw), material) };
}

describe('refunds made in the Alipay merchant portal', () => {
  it('a partial portal refund becomes an outside refund with its own amount, the running total and Alipay\'s out_biz_no', async () => {
    const reference = await paidTrade(10000);
    const first = sim.merchantPortalRefund(reference, '30.00');
    const n1 = await notificationFor(reference, (f) => f.out_biz_no === first.out_request_no);
    expect(n1.fields).toMatchObject({ trade_status: 'TRADE_SUCCESS', refund_fee: '30.00' });
    const r1 = await verify(n1.raw);
    expect(r1.want).toMatchObject({ ok: true });
    expect(r1.v).toEqual({
      ok: true, kind: 'refund', notificationId: n1.fields.notify_id, reference, status: 'succeeded', providerStatus: 'REFUND_SUCCESS',
      amount: 3000, currency: 'CNY', providerRefundId: first.out_request_no, providerTransactionId: n1.fields.trade_no, refundedTotal: 3000,
    });
    // The second refund's notification names the total (50.00); the amount is still this refund's.
    const second = sim.merchantPortalRefund(reference, '20.00');
    const r2 = await verify((await notificationFor(reference, (f) => f.out_biz_no === second.out_request_no)).raw);
    expect(r2.v).toMatchObject({ ok: true, kind: 'refund', amount: 2000, refundedTotal: 5000, providerRefundId: second.out_request_no });
  });

  it('the full refund (TRADE_CLOSED) too', async () => {
    const reference = await paidTrade(5000);
    const all = sim.merchantPortalRefund(reference, '50.00');
    const n = await notificationFor(reference, (f) => f.out_biz_no === all.out_request_no);
    expect(n.fields.trade_status).toBe('TRADE_CLOSED');
    expect((await verify(n.raw)).v).toMatchObject({ ok: true, kind: 'refund', amount: 5000, refundedTotal: 5000, status: 'succeeded' });
  });

  it('Paygate\'s own refund (out_biz_no = its refund id) stays a payment notification, and asks for nothing', async () => {
    const reference = await paidTrade(10000);
    const refundReference = newId('re');
    const input = { reference, refundReference, amount: 1000, currency: 'CNY' };
    expect(alipayConnector.refund.parse(ctx, input, await send(sent(alipayConnector.refund.build({ ...ctx, now: new Date() }, input))))).toMatchObject({ ok: true, status: 'succeeded' });
    const n = await notificationFor(reference, (f) => f.out_biz_no === refundReference);
    const r = await verify(n.raw);
    expect(r.want).toBeUndefined();
    expect(r.v).toMatchObject({ ok: true, kind: 'payment', status: 'succeeded' });
  });

  it('a forged or tampered portal refund notification makes no call and is rejected; without its lookup nothing is accepted', async () => {
    const reference = await paidTrade(10000);
    const refund = sim.merchantPortalRefund(reference, '10.00');
    const n = await notificationFor(reference, (f) => f.out_biz_no === refund.out_request_no);
    const tampered = new URLSearchParams({ ...n.fields, refund_fee: '99.00' }).toString();
    const t = await verify(tampered);
    expect(t.want).toBeUndefined();
    expect(t.v).toMatchObject({ ok: false, code: 'NOTIFY.SIGNATURE_INVALID' });
    const noMaterial = alipayConnector.verifyNotification(ctx, inbound(n.raw));
    expect(noMaterial).toMatchObject({ ok: false, code: 'NOTIFY.REFUND_LOOKUP_FAILED' });
    // A lookup answer about another refund, or an unsigned one, is not taken for this refund.
    const want = alipayConnector.notificationMaterial?.(ctx, inbound(n.raw));
    if (!want?.ok) throw new Error('expected a material request');
    const other = sim.merchantPortalRefund(reference, '5.00');
    const otherAnswer = await send(sent(alipayConnector.refundQuery.build({ ...ctx, now: new Date() }, { reference, refundReference: other.out_request_no, amount: 500, currency: 'CNY' })));
    expect(otherAnswer.body).toContain('REFUND_SUCCESS');
    expect(alipayConnector.verifyNotification(ctx, inbound(n.raw), otherAnswer)).toMatchObject({ ok: false, code: 'NOTIFY.REFUND_LOOKUP_FAILED' });
    const good = await send(want.request);
    const unsigned = { ...good, body: good.body.replace(/,"sign":"[^"]*"/, '') };
    expect(alipayConnector.verifyNotification(ctx, inbound(n.raw), unsigned)).toMatchObject({ ok: false, code: 'NOTIFY.REFUND_LOOKUP_FAILED' });
    expect(alipayConnector.verifyNotification(ctx, inbound(n.raw), good)).toMatchObject({ ok: true, kind: 'refund', amount: 1000 });
  });

  it('the portal refuses what Alipay would: unknown trade, more than is left, a zero amount', async () => {
    expect(() => sim.merchantPortalRefund('nope', '1.00')).toThrow();
    const reference = await paidTrade(1000);
    expect(() => sim.merchantPortalRefund(reference, '10.01')).toThrow(/left to refund/);
    expect(() => sim.merchantPortalRefund(reference, '0')).toThrow(/above zero/);
  });
});
