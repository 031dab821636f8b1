/**
 * End to end, on SQLite and PostgreSQL: the provider refuses every call after the payment is
 * made (Alipay simulator error_rate 1), so the expiry can never close the order and a refund
 * sync never hears back. Both end within their bounded schedules (a tiny time scale makes a
 * day of retries take a moment): the payment is recorded `expired` anyway with its event, the
 * refund stays `pending`, and the operator sees both jobs as dead letters, can retry one, and
 * sees the count in /metrics.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, sandboxMerchant, startGateway, startReceiver, waitFor, type Gateway } from '../../test-support/harness.js';
import { observePayment } from '../../app/payment-transitions.js';
import { createDelivery } from '../../app/outbox.js';

type Payment = { id: string; status: string; next_action: { qr_code: string } | null; attempts: Array<{ id: string }> };
type Job = { id: string; object: string; kind: string; ref_id: string; state: string; attempts: number; last_error: string | null; dead_at: string | null; run_at: string | null; created_at: string };
type JobList = { object: string; data: Job[]; has_more: boolean };

describe.each(DB_KINDS)('jobs that give up, on %s', (db) => {
  let gw: Gateway;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;
  let expiring: Payment;
  let refundId: string;
  const sim = (p: string, body: unknown) => fetch(`${gw.url}/sandbox/alipay${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const get = async (id: string) => (await gw.api<Payment>(m.key, 'GET', `/v1/payments/${id}`)).body;
  const deadJobs = async (kind?: string) => (await gw.admin<JobList>('GET', `/admin/jobs?state=dead${kind ? `&kind=${kind}` : ''}&limit=100`)).body.data;
  const metric = async (name: string, kind: string) => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    return Number(new RegExp(`^${name}\\{kind="${kind}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
  };

  beforeAll(async () => {
    // 1e-6: the expiry's day of closes and the refund's week of syncs last about a second.
    // A short half-open so the breaker the failures opened closes soon once the provider is back.
    gw = await startGateway({ db, env: { PAYGATE_TIME_SCALE: '0.000001', PAYGATE_BREAKER_HALF_OPEN_MS: '200' } });
    receiver = await startReceiver();
    m = await sandboxMerchant(gw, receiver.url);
    const create = (order: string, expires: number) => gw.api<Payment>(m.key, 'POST', '/v1/payments', { amount: 1200, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `${order}-${db}`, expires_in_seconds: expires });
    // A paid payment to refund, then one that will expire in 5 s; then the provider goes bad.
    const paid = (await create('PAID', 900)).body;
    expect((await sim('/_payer/pay', { reference: paid.next_action!.qr_code, outcome: 'success' })).status).toBe(200);
    await waitFor(async () => ((await get(paid.id)).status === 'succeeded' ? true : undefined), { what: 'paid' });
    expiring = (await create('EXPIRES', 5)).body;
    expect(expiring.status).toBe('requires_action');
    expect((await sim('/_faults', { error_rate: 1 })).status).toBe(200);
    const refund = await gw.api<{ id: string; status: string }>(m.key, 'POST', '/v1/refunds', { payment_id: paid.id, amount: 500 });
    expect(refund.body.status).toBe('pending');
    refundId = refund.body.id;
  }, 60_000);
  afterAll(async () => {
    await receiver?.close();
    await gw?.stop();
  });

  it('an expiry whose close the provider refuses ends: payment expired anyway, with its event and webhook', async () => {
    const p = await waitFor(async () => { const x = await get(expiring.id); return x.status === 'expired' ? x : undefined; }, { timeoutMs: 30_000, what: 'expired' });
    expect(p.status).toBe('expired');
    const events = await gw.api<{ data: Array<{ type: string; data: { object: { id: string; status: string } } }> }>(m.key, 'GET', '/v1/events?type=payment.expired');
    expect(events.body.data.filter((e) => e.data.object.id === expiring.id).map((e) => e.data.object.status)).toEqual(['expired']);
    await waitFor(() => receiver.received.find((r) => r.body.includes(expiring.id) && r.body.includes('payment.expired')), { what: 'payment.expired webhook' });

    const [job] = (await deadJobs('expire_payment')).filter((j) => j.ref_id === expiring.id);
    expect(job).toMatchObject({ object: 'job', kind: 'expire_payment', state: 'dead', attempts: 29, run_at: null });
    // The provider's refusal, or the breaker it opened: either way the close never went through.
    expect(job!.last_error).toMatch(/^CONNECTOR\.(UNAVAILABLE|CIRCUIT_OPEN|REJECTED): /);
    expect(Date.parse(job!.dead_at!)).toBeGreaterThan(Date.parse(job!.created_at));
    expect(await metric('paygate_jobs_dead_total', 'expire_payment')).toBe(1);
    expect(await metric('paygate_job_dead_letters', 'expire_payment')).toBe(1);
  });

  it('a refund whose sync gave up stays pending and is listed for operators', async () => {
    const [job] = await waitFor(async () => { const j = (await deadJobs('sync_refund')).filter((x) => x.ref_id === refundId); return j.length ? j : undefined; }, { timeoutMs: 30_000, what: 'dead sync_refund' });
    expect(job).toMatchObject({ kind: 'sync_refund', state: 'dead', attempts: 175, last_error: expect.stringMatching(/^refund still pending after (submit|query)$/) });
    const refund = await gw.api<{ status: string }>(m.key, 'GET', `/v1/refunds/${refundId}`);
    expect(refund.body.status).toBe('pending');
    expect(await metric('paygate_job_dead_letters', 'sync_refund')).toBe(1);
  });

  it('a success heard after the expiry gave up still becomes conflict', async () => {
    await waitFor(async () => ((await get(expiring.id)).status === 'expired' ? true : undefined), { timeoutMs: 30_000 });
    const r = await observePayment(gw.rt.ctx, { paymentId: expiring.id, attemptId: expiring.attempts[0]!.id, observed: 'succeeded', source: 'notification' });
    expect(r).toEqual({ changed: true, from: 'expired', to: 'conflict' });
    expect((await get(expiring.id)).status).toBe('conflict');
  });

  it('an operator retries a dead job; retry refuses jobs that are not dead or do not exist', async () => {
    const [job] = await waitFor(async () => { const j = (await deadJobs('sync_refund')).filter((x) => x.ref_id === refundId); return j.length ? j : undefined; }, { timeoutMs: 30_000 });
    // The provider is healthy again: the revived sync submits, the refund settles, the job is done.
    expect((await sim('/_faults', { error_rate: 0 })).status).toBe(200);
    // The breaker the failures opened lets a probe through after 200 ms: the revived job's first call.
    await new Promise((r) => setTimeout(r, 300));
    const retried = await gw.admin<Job>('POST', `/admin/jobs/${job!.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: job!.id, state: 'pending', attempts: 0, dead_at: null });
    await waitFor(async () => ((await gw.api<{ status: string }>(m.key, 'GET', `/v1/refunds/${refundId}`)).body.status === 'succeeded' ? true : undefined), { timeoutMs: 30_000, what: 'refund settled' });
    await waitFor(async () => ((await deadJobs('sync_refund')).some((x) => x.id === job!.id) ? undefined : true));
    expect(await metric('paygate_job_dead_letters', 'sync_refund')).toBe(0);

    const again = await gw.admin<{ error: { code: string } }>('POST', `/admin/jobs/${job!.id}/retry`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('JOB.NOT_FOUND');
    // The hourly purge is scheduled, not dead.
    const pending = (await gw.admin<JobList>('GET', '/admin/jobs?state=pending&kind=purge_idempotency')).body.data;
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ state: 'pending', dead_at: null });
    const notDead = await gw.admin<{ error: { code: string } }>('POST', `/admin/jobs/${pending[0]!.id}/retry`);
    expect(notDead.status).toBe(409);
    expect(notDead.body.error.code).toBe('JOB.NOT_DEAD');
  });

  it('a webhook delivery whose runs keep throwing ends dead with the delivery failed; a resend revives it', async () => {
    const ctx = gw.rt.ctx;
    const [ep] = (await gw.api<{ data: Array<{ id: string }> }>(m.key, 'GET', '/v1/webhook_endpoints')).body.data;
    // An event whose stored body no longer parses: every delivery run throws before sending.
    const now = Date.now();
    const eventId = `evt_${'0'.repeat(10)}${crypto.randomBytes(8).toString('hex')}`;
    await ctx.db.insertInto('events').values({ id: eventId, merchant_id: m.id, type: 'payment.expired', object_id: `pay_corrupt_${db}`, data: '{not json', created_at: now }).execute();
    const deliveryId = await ctx.db.transaction().execute((trx) => createDelivery(trx, { eventId, endpointId: ep!.id, merchantId: m.id }, now));
    ctx.kickJobs();
    const delivery = () => ctx.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirstOrThrow();
    const dead = async () => (await deadJobs('deliver_webhook')).find((j) => j.ref_id === deliveryId);
    const job = await waitFor(dead, { timeoutMs: 30_000, what: 'dead delivery job' });
    expect(job).toMatchObject({ attempts: 20, state: 'dead', last_error: expect.stringMatching(/^SyntaxError: /) });
    expect(await delivery()).toMatchObject({ status: 'failed', last_error: job.last_error, attempts: 0 });
    expect(await metric('paygate_jobs_dead_total', 'deliver_webhook')).toBe(1);

    // Repaired, the merchant asks again: the same job row comes back and delivers.
    await ctx.db.updateTable('events').set({ data: JSON.stringify({ object: { id: `pay_corrupt_${db}`, status: 'expired' } }) }).where('id', '=', eventId).execute();
    expect((await gw.api(m.key, 'POST', `/v1/events/${eventId}/resend`)).status).toBe(200);
    await waitFor(async () => ((await delivery()).status === 'succeeded' ? true : undefined), { timeoutMs: 30_000, what: 'delivered after resend' });
    expect(receiver.received.some((r) => r.headers['paygate-event-id'] === eventId)).toBe(true);
    expect(await dead()).toBeUndefined();
  });

  it('is admin-only, validated, and in the OpenAPI document', async () => {
    const anon = await fetch(`${gw.url}/admin/jobs`, { headers: { authorization: `Bearer ${m.key}` } });
    expect(anon.status).toBe(401);
    const bad = await gw.admin<{ error: { code: string } }>('GET', '/admin/jobs?state=zombie');
    expect(bad.body.error.code).toBe('VALIDATION.INVALID_QUERY');
    const doc = await (await fetch(`${gw.url}/openapi.json`)).json() as { paths: Record<string, Record<string, { parameters: Array<{ name: string }>; security: unknown[] }>> };
    expect(doc.paths['/admin/jobs']?.get?.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['state', 'kind', 'limit', 'starting_after']));
    expect(doc.paths['/admin/jobs/{id}/retry']?.post?.security).toEqual([{ adminToken: [] }]);
  });
});
