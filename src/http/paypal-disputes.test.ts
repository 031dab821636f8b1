/**
 * PayPal disputes, reversals and refunds made in PayPal, end to end on SQLite and PostgreSQL:
 * the simulator's sandbox dashboard opens, moves and resolves disputes on a paid capture,
 * reverses captures and refunds by hand; its signed webhooks reach the gateway and the
 * payment, its disputes, its refunds and the merchant's events follow — nothing counted
 * twice, whether an event arrives three times or a refund is only learnt from PayPal's order.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAccount } from '../app/accounts.js';
import { DB_KINDS, sandboxMerchant, startGateway, startReceiver, waitFor, type Gateway } from '../test-support/harness.js';

type Dispute = { id: string; payment_id: string; kind: string; status: string; amount: number; currency: string; reason: string | null; provider_status: string | null; closed_at: string | null };
type Payment = { id: string; status: string; amount_refunded: number; disputed: boolean; disputes: Dispute[]; next_action: { url: string } | null; attempts: Array<{ provider_transaction_id: string | null }> };
type Refund = { id: string; status: string; amount: number; origin: string };
type Body = { error?: { code: string } };
type Sim = { status: number; body: Record<string, unknown> };

describe.each(DB_KINDS)('paypal disputes and outside refunds on %s', (db) => {
  let gw: Gateway;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;
  let account = '';
  let webhookId = '';
  let n = 0;
  const sim = async (p: string, body: unknown = {}): Promise<Sim> => {
    const r = await fetch(`${gw.url}/sandbox/paypal${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const faults = (f: Record<string, unknown>) => sim('/_faults', f);
  const usd = (value: string) => ({ amount: { currency_code: 'USD', value } });
  const get = async (id: string) => (await gw.api<Payment>(m.key, 'GET', `/v1/payments/${id}`)).body;
  const until = (id: string, ok: (p: Payment) => boolean, what: string) => waitFor(async () => { const p = await get(id); return ok(p) ? p : undefined; }, { what });
  const events = (type: string, id: string) => receiver.received.filter((r) => r.body.includes(`"type":"${type}"`) && r.body.includes(id));
  const eventTypes = async (objectId: string) => (await gw.rt.ctx.db.selectFrom('events').select('type').where('object_id', '=', objectId).execute()).map((e) => e.type).sort();
  const refundsOf = async (id: string) => (await gw.api<{ data: Refund[] }>(m.key, 'GET', `/v1/refunds?payment_id=${id}`)).body.data;
  const verdicts = async (id: string) => gw.rt.ctx.db.selectFrom('notifications').select(['verdict', 'error_code']).where('payment_id', '=', id).execute();

  /** A succeeded PayPal payment of `amount` USD cents and its capture id. */
  async function paid(amount = 2000): Promise<{ id: string; capture: string }> {
    const p = (await gw.api<Payment>(m.key, 'POST', '/v1/payments', { amount, currency: 'USD', method: 'paypal', merchant_order_id: `PPD-${db}-${++n}` })).body;
    expect((await sim('/_payer/pay', { reference: p.next_action!.url, outcome: 'success' })).status).toBe(200);
    const done = await until(p.id, (x) => x.status === 'succeeded' && !!x.attempts[0]?.provider_transaction_id, `${p.id} paid`);
    return { id: p.id, capture: done.attempts[0]!.provider_transaction_id! };
  }

  beforeAll(async () => {
    gw = await startGateway({ db });
    receiver = await startReceiver();
    m = await sandboxMerchant(gw, receiver.url);
    account = (await gw.rt.ctx.db.selectFrom('provider_accounts').select('id').where('merchant_id', '=', m.id).where('provider', '=', 'paypal').executeTakeFirstOrThrow()).id;
    webhookId = ((await loadAccount(gw.rt.ctx, account))!.credentials as { webhookId: string }).webhookId;
  });
  afterAll(async () => {
    await receiver?.close();
    await gw?.stop();
  });

  it('a dispute opened, under review, resolved for the seller: payment.disputed, refunds refused while open, dispute.closed, disputed false', async () => {
    const p = await paid();
    const opened = await sim(`/_dashboard/captures/${p.capture}/disputes`, { reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED' });
    expect(opened.status).toBe(201);
    const disputed = await until(p.id, (x) => x.disputed, 'disputed');
    expect(disputed.disputes).toEqual([expect.objectContaining({ payment_id: p.id, kind: 'dispute', status: 'open', amount: 2000, currency: 'USD', reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED', provider_status: 'OPEN', closed_at: null })]);
    const dsp = disputed.disputes[0]!.id;
    await waitFor(() => events('payment.disputed', dsp)[0], { what: 'payment.disputed webhook' });
    // Stored masked: the case and its amounts in clear, the disputing buyer not.
    const stored = await gw.rt.ctx.db.selectFrom('notifications').select('raw').where('payment_id', '=', p.id).where('raw', 'like', '%CUSTOMER.DISPUTE.CREATED%').executeTakeFirstOrThrow();
    expect(stored.raw).toContain(String(opened.body.dispute_id));
    expect(stored.raw).toContain(p.capture);
    expect(stored.raw).not.toContain('Sandbox Buyer');
    const refused = await gw.api<Body>(m.key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 100 });
    expect([refused.status, refused.body.error?.code]).toEqual([422, 'REFUND.PAYMENT_DISPUTED']);

    expect((await sim(`/_dashboard/disputes/${String(opened.body.dispute_id)}`, { status: 'UNDER_REVIEW' })).status).toBe(201);
    await until(p.id, (x) => x.disputes[0]?.provider_status === 'UNDER_REVIEW', 'under review');
    expect((await get(p.id)).disputed).toBe(true);
    expect((await sim(`/_dashboard/disputes/${String(opened.body.dispute_id)}/resolve`, { outcome: 'RESOLVED_SELLER_FAVOUR' })).status).toBe(201);
    const won = await until(p.id, (x) => !x.disputed, 'won');
    expect(won.disputes[0]).toMatchObject({ id: dsp, status: 'won', provider_status: 'RESOLVED/RESOLVED_SELLER_FAVOUR' });
    expect(won.disputes[0]!.closed_at).not.toBeNull();
    await waitFor(() => events('dispute.closed', dsp)[0], { what: 'dispute.closed webhook' });
    expect(await eventTypes(dsp)).toEqual(['dispute.closed', 'payment.disputed']);
    // Won: the money stayed, so it can be refunded again, at the gateway and at PayPal alike.
    const r = await gw.api<Refund>(m.key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 500 });
    expect([r.status, r.body.status]).toEqual([201, 'succeeded']);
  });

  it('a dispute resolved for the buyer stays disputed (lost) and leaves nothing to refund', async () => {
    const p = await paid(1500);
    const opened = await sim(`/_dashboard/captures/${p.capture}/disputes`, { reason: 'UNAUTHORISED', channel: 'chargeback' });
    await until(p.id, (x) => x.disputed, 'disputed');
    await sim(`/_dashboard/disputes/${String(opened.body.dispute_id)}/resolve`, { outcome: 'RESOLVED_BUYER_FAVOUR' });
    const lost = await until(p.id, (x) => x.disputes[0]?.status === 'lost', 'lost');
    expect(lost.disputed).toBe(true);
    expect(lost.amount_refunded).toBe(0);
    await waitFor(() => events('dispute.closed', lost.disputes[0]!.id)[0], { what: 'dispute.closed webhook' });
    expect((await gw.api<Body>(m.key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 1 })).status).toBe(422);
  });

  it('a reversal (chargeback) is a lost dispute of kind reversal from the start: payment.disputed, nothing left to refund', async () => {
    const p = await paid(1200);
    const rev = await sim(`/_dashboard/captures/${p.capture}/reverse`, usd('12.00'));
    expect(rev.status).toBe(201);
    const after = await until(p.id, (x) => x.disputed, 'reversed');
    expect(after.disputes).toEqual([expect.objectContaining({ kind: 'reversal', status: 'lost', amount: 1200, reason: 'CHARGEBACK', provider_status: 'PAYMENT.CAPTURE.REVERSED/COMPLETED' })]);
    expect(after.disputes[0]!.closed_at).not.toBeNull();
    const dsp = after.disputes[0]!.id;
    await waitFor(() => events('payment.disputed', dsp)[0], { what: 'payment.disputed webhook' });
    // Nothing was contested, so nothing closes: the app announces a reversal once (domain/dispute-state.ts).
    expect(await eventTypes(dsp)).toEqual(['payment.disputed']);
    expect(after.amount_refunded).toBe(0);
    expect((await gw.api<Body>(m.key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 1 })).status).toBe(422);
  });

  it('a refund made in PayPal becomes a refund of origin provider with refund.succeeded, counted once though delivered three times', async () => {
    await faults({ duplicate_notifications: true, duplicate_count: 3 });
    try {
      const p = await paid(2000);
      const ours = await gw.api<Refund>(m.key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 300 });
      expect([ours.status, ours.body.status]).toEqual([201, 'succeeded']);
      expect((await sim(`/_dashboard/captures/${p.capture}/refund`, usd('7.00'))).status).toBe(201);
      await until(p.id, (x) => x.amount_refunded === 1000, 'refunded 1000');
      // Both refunds' webhooks, three copies each: one accepted at most per refund, the rest duplicates.
      await waitFor(async () => (await verdicts(p.id)).filter((v) => v.verdict === 'duplicate').length >= 4 || undefined, { what: 'duplicated refund webhooks' });
      const refunds = await refundsOf(p.id);
      expect(refunds.map((r) => [r.amount, r.origin, r.status]).sort()).toEqual([[300, 'paygate', 'succeeded'], [700, 'provider', 'succeeded']]);
      const outside = refunds.find((r) => r.origin === 'provider')!;
      const ev = await waitFor(() => events('refund.succeeded', outside.id)[0], { what: 'refund.succeeded webhook' });
      expect(JSON.parse(ev.body)).toMatchObject({ type: 'refund.succeeded', data: { object: { id: outside.id, origin: 'provider', amount: 700 } } });
      expect(await eventTypes(outside.id)).toEqual(['refund.succeeded']);
      expect((await get(p.id)).amount_refunded).toBe(1000);
      expect((await verdicts(p.id)).filter((v) => v.verdict === 'rejected')).toEqual([]);
    } finally {
      await faults({ duplicate_notifications: false });
    }
  });

  it("a refund whose webhook was lost is found in PayPal's order (listRefunds) when a later one shows the higher total", async () => {
    const p = await paid(2000);
    await faults({ drop_notifications: true });
    await sim(`/_dashboard/captures/${p.capture}/refund`, usd('4.00'));
    await faults({ drop_notifications: false });
    await new Promise((r) => setTimeout(r, 200));
    expect((await get(p.id)).amount_refunded).toBe(0);
    await sim(`/_dashboard/captures/${p.capture}/refund`, usd('1.00'));
    const after = await until(p.id, (x) => x.amount_refunded === 500, 'refunded 500 after reconciliation');
    expect(after.amount_refunded).toBe(500);
    expect((await refundsOf(p.id)).map((r) => [r.amount, r.origin]).sort()).toEqual([[100, 'provider'], [400, 'provider']]);
  });

  it('an authentic event of a type Paygate does not use is acknowledged; a forged dispute changes nothing', async () => {
    const p = await paid(900);
    const keys = JSON.parse(fs.readFileSync(path.join(gw.dataDir, 'sandbox', 'paypal-keys.json'), 'utf8')) as { certId: string; privateKeyPem: string };
    const crc = (b: string) => {
      let c = 0xffffffff;
      for (const byte of Buffer.from(b, 'utf8')) {
        c ^= byte;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    const post = (body: string, key: crypto.KeyLike = keys.privateKeyPem) => {
      const id = crypto.randomUUID();
      const time = new Date().toISOString();
      const sig = crypto.createSign('RSA-SHA256').update(`${id}|${time}|${webhookId}|${crc(body)}`).sign(key, 'base64');
      return fetch(`${gw.url}/notify/paypal/${account}`, { method: 'POST', headers: { 'content-type': 'application/json', 'paypal-transmission-id': id, 'paypal-transmission-time': time, 'paypal-transmission-sig': sig, 'paypal-cert-url': `${gw.url}/sandbox/paypal/certs/${keys.certId}.pem`, 'paypal-auth-algo': 'SHA256withRSA' }, body });
    };
    const other = JSON.stringify({ id: `WH-PENDING-${db}`, event_type: 'PAYMENT.CAPTURE.PENDING', resource_type: 'capture', resource: { id: p.capture, status: 'PENDING' } });
    expect((await post(other)).status).toBe(200);
    expect(await gw.rt.ctx.db.selectFrom('notifications').select('verdict').where('notification_id', '=', `WH-PENDING-${db}`).executeTakeFirstOrThrow()).toEqual({ verdict: 'ignored' });
    const dispute = JSON.stringify({ id: `WH-FORGED-${db}`, event_type: 'CUSTOMER.DISPUTE.CREATED', resource_type: 'dispute', resource: {
      dispute_id: 'PP-D-1', status: 'OPEN', reason: 'UNAUTHORISED', dispute_amount: { currency_code: 'USD', value: '9.00' }, disputed_transactions: [{ seller_transaction_id: p.capture }],
    } });
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect((await post(dispute, privateKey)).status).toBe(400);
    const tooMuch = dispute.replace('"9.00"', '"9.01"');
    expect((await post(tooMuch)).status).toBe(400);
    const after = await get(p.id);
    expect([after.disputed, after.disputes]).toEqual([false, []]);
    // The genuine one is accepted once, however often it comes.
    expect((await post(dispute)).status).toBe(200);
    expect((await post(dispute)).status).toBe(200);
    expect((await get(p.id)).disputes).toEqual([expect.objectContaining({ status: 'open', amount: 900 })]);
    expect((await verdicts(p.id)).map((v) => v.error_code ?? v.verdict)).toEqual(expect.arrayContaining(['NOTIFY.AMOUNT_MISMATCH', 'accepted', 'duplicate']));
  });
});
