/**
 * Issue 13: a PayPal capture refused with 422 INSTRUMENT_DECLINED leaves the order APPROVED
 * and the buyer approves again with another funding source (PayPal's restart flow). Before
 * capture rounds, every capture of an order went out under one PayPal-Request-Id, so PayPal
 * replayed the cached 422 to the new approval and the payment could never be paid. Now the
 * decline is recorded on the open payment, polls do not charge the declined instrument
 * again, and the new approval is captured under a new request id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, sandboxMerchant, startGateway, waitFor, type Gateway } from '../test-support/harness.js';

type Payment = { id: string; status: string; failure_code: string | null; next_action: { type: string; url: string } | null; attempts: Array<{ status: string; provider_transaction_id: string | null }> };
type SimOrder = { order: { id: string; status: string; links: Array<{ rel: string; href: string }> }; capture_requests: number; captures: number };

describe.each(DB_KINDS)('paypal capture rounds on %s', (db) => {
  let gw: Gateway;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;
  let n = 0;
  const simUrl = () => `${gw.url}/sandbox/paypal`;
  const simOrder = async (orderId: string) => (await (await fetch(`${simUrl()}/_admin/orders/${orderId}`)).json()) as SimOrder;
  const get = async (id: string, query = '') => (await gw.api<Payment>(m.key, 'GET', `/v1/payments/${id}${query}`)).body;
  const orderIdOf = (p: Payment) => new URL(p.next_action!.url).searchParams.get('token')!;
  /** The buyer decides on PayPal's page and follows the redirect back through Paygate's return route. */
  const approveAndReturn = async (p: Payment, outcome: string) => {
    const decide = await fetch(`${simUrl()}/checkoutnow/decide`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${orderIdOf(p)}&outcome=${outcome}` });
    expect(decide.status).toBe(303);
    const back = await fetch(decide.headers.get('location')!, { redirect: 'manual' });
    expect(back.status).toBe(303);
  };

  beforeAll(async () => {
    gw = await startGateway({ db });
    m = await sandboxMerchant(gw);
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('declined instrument: the decline is recorded on the open payment; a new approval is captured under a new request id and succeeds', async () => {
    const created = await gw.api<Payment>(m.key, 'POST', '/v1/payments', { amount: 2599, currency: 'USD', method: 'paypal', merchant_order_id: `PPR-${db}-${++n}`, return_url: 'https://shop.example/done' });
    expect(created.status).toBe(201);
    const p = created.body;
    await approveAndReturn(p, 'instrument_declined');

    const declined = await waitFor(async () => { const x = await get(p.id); return x.failure_code ? x : undefined; }, { what: `${p.id} decline recorded` });
    expect(declined.failure_code).toBe('card_declined');
    expect(['requires_action', 'processing']).toContain(declined.status);
    const order = await simOrder(orderIdOf(p));
    expect(order.order.status).toBe('APPROVED');
    expect(order.captures).toBe(0);
    // The webhook and the return may both have tried the first approval; never more than that.
    const triedFirst = order.capture_requests;
    expect(triedFirst).toBeGreaterThanOrEqual(1);
    expect(triedFirst).toBeLessThanOrEqual(2);

    // Polls and merchant refreshes see the order APPROVED but cannot tell it from the declined
    // approval: they wait for the buyer instead of charging the declined instrument again.
    await get(p.id, '?refresh=true');
    await new Promise((r) => setTimeout(r, 300));
    await get(p.id, '?refresh=true');
    expect((await simOrder(orderIdOf(p))).capture_requests).toBe(triedFirst);
    expect((await get(p.id)).status).toBe(declined.status);

    // The buyer picks another funding source on the same order.
    await approveAndReturn(p, 'success');
    const paid = await waitFor(async () => { const x = await get(p.id); return x.status === 'succeeded' ? x : undefined; }, { what: `${p.id} succeeded after the second approval` });
    expect(paid.failure_code).toBeNull();
    expect(paid.attempts.at(-1)?.provider_transaction_id).toBeTruthy();
    const after = await simOrder(orderIdOf(p));
    expect(after.captures).toBe(1);
    expect(after.capture_requests).toBeGreaterThan(triedFirst);
    expect(after.order.status).toBe('COMPLETED');
  });

  it('the simulator refuses a second approval of an order whose capture was not declined', async () => {
    const p = (await gw.api<Payment>(m.key, 'POST', '/v1/payments', { amount: 1000, currency: 'USD', method: 'paypal', merchant_order_id: `PPR-${db}-${++n}` })).body;
    await approveAndReturn(p, 'success');
    await waitFor(async () => ((await get(p.id)).status === 'succeeded' ? true : undefined), { what: `${p.id} succeeded` });
    const again = await fetch(`${simUrl()}/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: orderIdOf(p), outcome: 'success' }) });
    expect(again.status).toBe(409);
    const bad = await fetch(`${simUrl()}/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: orderIdOf(p), outcome: 'maybe' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('instrument_declined');
  });
});
