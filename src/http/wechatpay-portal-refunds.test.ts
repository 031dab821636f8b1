/**
 * WeChat Pay refunds made in the merchant portal (商户平台), end to end on SQLite and
 * PostgreSQL: their REFUND.SUCCESS notifications name an out_refund_no Paygate never issued,
 * which used to be rejected as an unknown order. Now each becomes a refund of origin
 * 'provider' with refund.succeeded, counted once by its refund_id however often it arrives,
 * next to Paygate's own refunds.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, startGateway, startReceiver, waitFor, type Gateway } from '../test-support/harness.js';
import { namedSandboxMerchant, stopFlowGateway, storedCredentials, type Receiver } from '../test-support/flow.js';
import { encryptedNotification, readSimKeys, refundPlaintext, signedHeaders, type SimKeys, type WxCredentials } from '../test-support/wechatpay-kit.js';

type Payment = { id: string; status: string; amount_refunded: number; next_action: { qr_code: string } | null; attempts: Array<{ provider_reference: string }> };
type Refund = { id: string; status: string; amount: number; origin: string };

describe.each(DB_KINDS)('WeChat Pay portal refunds on %s', (db) => {
  let gw: Gateway;
  let receiver: Receiver;
  let key = '';
  let accountId = '';
  let creds: WxCredentials;
  let keys: SimKeys;
  let n = 0;
  const sim = async (p: string, body: unknown) => {
    const r = await fetch(`${gw.url}/sandbox/wechatpay${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const get = async (id: string) => (await gw.api<Payment>(key, 'GET', `/v1/payments/${id}`)).body;
  const until = (id: string, ok: (p: Payment) => boolean, what: string) => waitFor(async () => { const p = await get(id); return ok(p) ? p : undefined; }, { what });
  const refundsOf = async (id: string) => (await gw.api<{ data: Refund[] }>(key, 'GET', `/v1/refunds?payment_id=${id}`)).body.data;
  const verdicts = async (id: string) => gw.rt.ctx.db.selectFrom('notifications').select(['verdict', 'error_code']).where('payment_id', '=', id).execute();

  async function paid(amount: number): Promise<{ id: string; ref: string }> {
    const p = (await gw.api<Payment>(key, 'POST', '/v1/payments', { amount, currency: 'CNY', method: 'wechat_native', merchant_order_id: `WXP-${db}-${++n}`, description: '电影票' })).body;
    expect((await sim('/_payer/pay', { reference: p.next_action!.qr_code, outcome: 'success' })).status).toBe(200);
    await until(p.id, (x) => x.status === 'succeeded', `${p.id} paid`);
    return { id: p.id, ref: p.attempts[0]!.provider_reference };
  }

  beforeAll(async () => {
    gw = await startGateway({ db });
    receiver = await startReceiver();
    ({ key, accountId } = await namedSandboxMerchant(gw, `WX portal ${db}`, 'wechatpay', receiver.url));
    creds = await storedCredentials<WxCredentials>(gw, accountId);
    keys = readSimKeys(path.join(gw.dataDir, 'sandbox'));
  });
  afterAll(() => stopFlowGateway({ gw, receiver }));

  it('a portal refund becomes a refund of origin provider with refund.succeeded; with a Paygate refund, each counted once though notified three times', async () => {
    await sim('/_faults', { duplicate_notifications: true, duplicate_count: 3 });
    try {
      const p = await paid(5000);
      const ours = await gw.api<Refund>(key, 'POST', '/v1/refunds', { payment_id: p.id, amount: 1000 });
      expect(ours.status).toBe(201);
      const portal = await sim('/_portal/refunds', { mchid: creds.mchid, out_trade_no: p.ref, amount: 1500, reason: '客服退款' });
      expect(portal.status).toBe(200);
      const after = await until(p.id, (x) => x.amount_refunded === 2500, 'refunded 2500');
      expect(after.amount_refunded).toBe(2500);
      // Both refunds settle by notification (three copies each): nothing rejected, nothing twice.
      await waitFor(async () => (await verdicts(p.id)).filter((v) => v.verdict === 'duplicate').length >= 4 || undefined, { what: 'duplicated refund notifications' });
      const refunds = await refundsOf(p.id);
      expect(refunds.map((r) => [r.amount, r.origin, r.status]).sort()).toEqual([[1000, 'paygate', 'succeeded'], [1500, 'provider', 'succeeded']]);
      expect((await verdicts(p.id)).filter((v) => v.verdict === 'rejected')).toEqual([]);
      const outside = refunds.find((r) => r.origin === 'provider')!;
      const row = await gw.rt.ctx.db.selectFrom('refunds').select(['provider_refund_id']).where('id', '=', outside.id).executeTakeFirstOrThrow();
      expect(row.provider_refund_id).toBe(portal.body.refund_id);
      const ev = await waitFor(() => receiver.received.find((r) => r.body.includes('"refund.succeeded"') && r.body.includes(outside.id)), { what: 'refund.succeeded webhook' });
      expect(JSON.parse(ev.body)).toMatchObject({ type: 'refund.succeeded', data: { object: { id: outside.id, origin: 'provider', amount: 1500 } } });
      expect((await get(p.id)).amount_refunded).toBe(2500);
    } finally {
      await sim('/_faults', { duplicate_notifications: false });
    }
  });

  it('a portal refund notification (sealed by the oracle) is counted once by refund_id; one beyond the paid amount changes nothing', async () => {
    const p = await paid(3000);
    const post = async (plain: Record<string, unknown>) => {
      const body = encryptedNotification({ apiv3Key: creds.apiv3_key, eventType: 'REFUND.SUCCESS', plaintext: plain });
      return (await fetch(`${gw.url}/notify/wechatpay/${accountId}`, { method: 'POST', headers: signedHeaders(body, keys.publicKeyPrivate, keys.publicKeyId), body })).status;
    };
    const portal = { ...refundPlaintext(creds.mchid, p.ref, '50300908092018010701700083021', 1200, 3000), refund_id: '50300908092018010701700083099' };
    expect(await post(portal)).toBe(204);
    expect(await post(portal)).toBe(204);
    expect((await get(p.id)).amount_refunded).toBe(1200);
    const tooMuch = { ...refundPlaintext(creds.mchid, p.ref, '50300908092018010701700083022', 1801, 3000), refund_id: '50300908092018010701700083098' };
    expect(await post(tooMuch)).toBe(400);
    expect((await get(p.id)).amount_refunded).toBe(1200);
    expect((await refundsOf(p.id)).map((r) => [r.amount, r.origin])).toEqual([[1200, 'provider']]);
    expect((await verdicts(p.id)).map((v) => v.error_code ?? v.verdict).sort()).toEqual(['NOTIFY.AMOUNT_MISMATCH', 'accepted', 'duplicate', 'accepted'].sort());
  });
});
