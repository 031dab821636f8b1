/**
 * A create whose answer is lost after the provider processed it (issue 12, fault 1). The
 * request really reaches the in-process simulator and is processed there; the transport then
 * throws the error a dropped connection gives, so Paygate never sees the answer. The oracle
 * is what went over the wire: every create sent for the payment must carry the same
 * provider-side key (Stripe Idempotency-Key, PayPal PayPal-Request-Id, Alipay out_trade_no),
 * and the order the merchant finally gets must be the one the provider made during the lost
 * call — a second session/order at the provider is the fault.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireRequest, WireResponse } from '../connectors/types.js';
import { TransportError } from '../infra/http/transport.js';
import { sandboxMerchant, startGateway, waitFor, type Gateway } from '../test-support/harness.js';

interface Attempt { id: string; status: string; provider_account_id: string; error: { code: string } | null }
interface Payment { id: string; status: string; next_action: { type: string; url?: string; qr_code?: string } | null; attempts: Attempt[]; routing: Array<{ outcome: string; reason: string }> }
interface ErrorBody { error: { code: string; message: string; payment_id?: string; safe_to_repeat?: boolean } }

interface Sent { key: string; answer: string }

describe('a create whose answer is lost after the provider processed it', () => {
  let gw: Gateway;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;
  let order = 0;
  /** Requests matching `lose` get processed by the provider, then fail as a reset connection would. */
  let lose: ((req: WireRequest) => boolean) | undefined;
  const sent: Sent[] = [];
  let keyOf: (req: WireRequest) => string | undefined = () => undefined;

  beforeAll(async () => {
    // A long poll start, so only the merchant's repeat resumes the attempt in these tests.
    gw = await startGateway({ db: 'sqlite', env: { PAYGATE_TIME_SCALE: '1' } });
    m = await sandboxMerchant(gw);
    const transport = gw.rt.ctx.transport;
    const send = transport.send.bind(transport);
    transport.send = async (req, timeoutMs, signal, options): Promise<WireResponse> => {
      const res = await send(req, timeoutMs, signal, options);
      const key = keyOf(req);
      if (key !== undefined) sent.push({ key, answer: res.body });
      if (lose?.(req)) {
        lose = undefined;
        throw new TransportError('network', 'other side closed (the answer was lost)', { cause: new Error('UND_ERR_SOCKET') });
      }
      return res;
    };
  });
  afterAll(async () => { await gw?.stop(); });

  const create = (body: Record<string, unknown>) =>
    gw.api<Payment & ErrorBody>(m.key, 'POST', '/v1/payments', { amount: 1999, merchant_order_id: `LOST-${++order}`, ...body });

  async function loseFirstAnswer(body: Record<string, unknown>, isCreate: (req: WireRequest) => boolean) {
    sent.length = 0;
    lose = isCreate;
    const first = await create(body);
    expect(first.status, first.text).toBe(503);
    expect(first.body.error.code).toBe('CONNECTOR.UNAVAILABLE');
    expect(first.body.error.safe_to_repeat).toBe(true);
    expect(first.body.error.message).toMatch(/repeat this create with the same merchant_order_id/);
    const id = first.body.error.payment_id!;
    const held = (await gw.api<Payment>(m.key, 'GET', `/v1/payments/${id}`)).body;
    expect(held.status).toBe('requires_action');
    expect(held.next_action).toBeNull();
    expect(held.attempts.map((a) => [a.status, a.error?.code])).toEqual([['requires_action', 'CONNECTOR.UNAVAILABLE']]);
    expect(held.routing.map((e) => [e.outcome, e.reason])).toEqual([['unanswered', 'CONNECTOR.UNAVAILABLE']]);
    // The merchant repeats the create, as the error says.
    const again = await gw.api<Payment>(m.key, 'POST', '/v1/payments', { amount: 1999, merchant_order_id: `LOST-${order}`, ...body });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(id);
    expect(again.body.attempts).toHaveLength(1);
    expect(again.body.attempts[0]!.status).toBe('requires_action');
    expect(again.body.attempts[0]!.error).toBeNull();
    // One provider-side key for both sends, and the provider answered the repeat with the order of the lost call.
    expect(sent.length).toBe(2);
    expect(new Set(sent.map((s) => s.key)).size).toBe(1);
    return { payment: again.body, lostAnswer: sent[0]!.answer, repeatAnswer: sent[1]!.answer };
  }

  it('Stripe: the repeat resumes with the same Idempotency-Key and gets the Checkout Session made during the lost call', async () => {
    keyOf = (req) => (req.url.endsWith('/v1/checkout/sessions') && req.method === 'POST' ? req.headers['idempotency-key'] : undefined);
    const { payment, lostAnswer } = await loseFirstAnswer({ currency: 'USD', method: 'stripe' }, (req) => req.url.endsWith('/v1/checkout/sessions'));
    const session = JSON.parse(lostAnswer) as { id: string; url: string };
    expect(session.id).toMatch(/^cs_/);
    expect(payment.next_action?.url).toBe(session.url);
  });

  it('PayPal: the repeat resumes with the same PayPal-Request-Id and gets the order made during the lost call', async () => {
    keyOf = (req) => (req.url.endsWith('/v2/checkout/orders') && req.method === 'POST' ? req.headers['paypal-request-id'] : undefined);
    const { payment, lostAnswer } = await loseFirstAnswer({ currency: 'USD', method: 'paypal' }, (req) => req.url.endsWith('/v2/checkout/orders'));
    const made = JSON.parse(lostAnswer) as { id: string; links: Array<{ rel: string; href: string }> };
    const approve = made.links.find((l) => l.rel === 'payer-action' || l.rel === 'approve')!.href;
    expect(payment.next_action?.url).toBe(approve);
  });

  it('Alipay: the repeat resumes with the same out_trade_no and gets the same QR code', async () => {
    const form = (req: WireRequest) => new URLSearchParams(req.body ?? '');
    const isPrecreate = (req: WireRequest) => form(req).get('method') === 'alipay.trade.precreate';
    keyOf = (req) => (isPrecreate(req) ? (JSON.parse(form(req).get('biz_content') ?? '{}') as { out_trade_no?: string }).out_trade_no : undefined);
    const { payment, lostAnswer, repeatAnswer } = await loseFirstAnswer({ currency: 'CNY', method: 'alipay_qr' }, isPrecreate);
    const qr = (body: string) => (JSON.parse(body) as { alipay_trade_precreate_response?: { qr_code?: string } }).alipay_trade_precreate_response?.qr_code;
    expect(qr(lostAnswer)).toBeTruthy();
    expect(qr(repeatAnswer)).toBe(qr(lostAnswer));
    expect(payment.next_action?.qr_code).toBe(qr(lostAnswer));
  });

  it('an account that cannot be reached at all is passed over at once: nothing was sent, so routing falls back', async () => {
    const closed = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(port));
      });
    });
    const add = async (baseUrl: string) => (await gw.admin<{ id: string }>('POST', `/admin/merchants/${m.id}/provider_accounts`, {
      provider: 'alipay', mode: 'sandbox', base_url: baseUrl, credentials: await gw.rt.simulators.alipay!.newAccountCredentials(),
    })).body.id;
    const down = await add(`http://127.0.0.1:${closed}/sandbox/alipay`);
    const up = await add(`${gw.url}/sandbox/alipay`);
    expect((await gw.admin('PUT', `/admin/merchants/${m.id}/routing`, { rules: [{ method: 'alipay_qr', accounts: [{ provider_account_id: down }, { provider_account_id: up }] }] })).status).toBe(200);
    const r = await create({ currency: 'CNY', method: 'alipay_qr' });
    expect(r.status, r.text).toBe(201);
    expect(r.body.attempts.map((x) => [x.provider_account_id, x.status, x.error?.code ?? null])).toEqual([[down, 'failed', 'CONNECTOR.UNAVAILABLE'], [up, 'requires_action', null]]);
    expect(r.body.routing.map((e) => [e.outcome, e.reason])).toEqual([['failed', 'CONNECTOR.UNAVAILABLE']]);
    expect(r.body.next_action?.qr_code).toBeTruthy();
  });

  it('the poll job resumes a held attempt by itself: the order is ready before the merchant repeats', async () => {
    const fast = await startGateway({ db: 'sqlite' });
    try {
      const shop = await sandboxMerchant(fast);
      const transport = fast.rt.ctx.transport;
      const send = transport.send.bind(transport);
      let dropped = 0;
      transport.send = async (req, timeoutMs, signal, options) => {
        const res = await send(req, timeoutMs, signal, options);
        if (req.url.endsWith('/v1/checkout/sessions') && dropped++ === 0) throw new TransportError('timeout', 'no answer within 2000 ms');
        return res;
      };
      const first = await fast.api<ErrorBody>(shop.key, 'POST', '/v1/payments', { amount: 500, currency: 'USD', method: 'stripe', merchant_order_id: 'POLL-RESUME' });
      expect(first.status).toBe(504);
      expect(first.body.error.code).toBe('CONNECTOR.TIMEOUT');
      const id = first.body.error.payment_id!;
      const ready = await waitFor(async () => {
        const p = (await fast.api<Payment>(shop.key, 'GET', `/v1/payments/${id}`)).body;
        return p.next_action?.url ? p : undefined;
      }, { what: 'the poll job to resume the held attempt' });
      expect(ready.attempts).toHaveLength(1);
      expect(ready.attempts[0]!.error).toBeNull();
      expect(dropped).toBe(2);
    } finally {
      await fast.stop();
    }
  });
});
