import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxMerchant, startGateway, startReceiver, waitFor, type Gateway } from '../../test-support/harness.js';
import { webhookDeliveryListSchema } from './event-deliveries.js';

type Deliveries = { object: 'list'; data: Array<{ endpoint_id: string; url: string; status: string; attempts: number; last_status_code: number | null; last_error: string | null; next_attempt_at: string | null; delivered_at: string | null; updated_at: string }> };

async function payOnce(gw: Gateway, key: string, order: string): Promise<string> {
  const p = (await gw.api<{ id: string; next_action: { qr_code: string } }>(key, 'POST', '/v1/payments', { amount: 500, currency: 'CNY', method: 'alipay_qr', merchant_order_id: order })).body;
  await fetch(`${gw.url}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: p.next_action.qr_code, outcome: 'success' }) });
  const ev = await waitFor(async () => (await gw.api<{ data: Array<{ id: string }> }>(key, 'GET', '/v1/events?type=payment.succeeded')).body.data[0], { what: 'payment.succeeded' });
  return ev.id;
}

const deliveries = async (gw: Gateway, key: string, eventId: string) => {
  const r = await gw.api<Deliveries>(key, 'GET', `/v1/events/${eventId}/deliveries`);
  expect(r.status).toBe(200);
  webhookDeliveryListSchema.parse(r.body);
  return r.body.data;
};

describe('GET /v1/events/{id}/deliveries', () => {
  let gw: Gateway;
  beforeAll(async () => { gw = await startGateway({ db: 'sqlite' }); });
  afterAll(async () => { await gw?.stop(); });

  it('shows each endpoint: attempts, last status and error, next try, delivered_at — only to its merchant', async () => {
    const flaky = await startReceiver((n) => (n === 1 ? 500 : 200));
    const down = await startReceiver(() => 503);
    try {
      const m = await sandboxMerchant(gw, flaky.url, ['payment.succeeded']);
      await gw.api(m.key, 'POST', '/v1/webhook_endpoints', { url: down.url, events: ['payment.succeeded'] });
      const eventId = await payOnce(gw, m.key, 'DLV-1');
      await waitFor(() => flaky.received.length >= 2 || undefined, { what: 'the retry' });
      const list = await waitFor(async () => {
        const d = await deliveries(gw, m.key, eventId);
        return d.find((x) => x.url === flaky.url)?.status === 'succeeded' ? d : undefined;
      });
      expect(list).toHaveLength(2);
      const ok = list.find((x) => x.url === flaky.url)!;
      expect(ok).toMatchObject({ status: 'succeeded', attempts: 2, last_status_code: 200, last_error: null, next_attempt_at: null });
      expect(ok.delivered_at).not.toBeNull();
      const bad = list.find((x) => x.url === down.url)!;
      expect(bad).toMatchObject({ status: 'pending', last_status_code: 503, last_error: 'HTTP 503', delivered_at: null });
      expect(bad.attempts).toBeGreaterThanOrEqual(1);
      expect(bad.next_attempt_at).not.toBeNull();

      const other = await sandboxMerchant(gw);
      const foreign = await gw.api<{ error: { code: string } }>(other.key, 'GET', `/v1/events/${eventId}/deliveries`);
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.code).toBe('EVENT.NOT_FOUND');
    } finally {
      await flaky.close();
      await down.close();
    }
  });
});

describe('a resend or a revive starts the retry schedule over', () => {
  let gw: Gateway;
  // Real time: the delays are read off next_attempt_at, nothing waits for them.
  beforeAll(async () => { gw = await startGateway({ db: 'sqlite', env: { PAYGATE_TIME_SCALE: '1' } }); });
  afterAll(async () => { await gw?.stop(); });

  const gapS = (d: { next_attempt_at: string | null; updated_at: string }) => (Date.parse(d.next_attempt_at!) - Date.parse(d.updated_at)) / 1000;

  it('next try 1 min after the resent attempt, not 5 min', async () => {
    const receiver = await startReceiver(() => 500);
    try {
      const m = await sandboxMerchant(gw, receiver.url, ['payment.succeeded']);
      const eventId = await payOnce(gw, m.key, 'DLV-2');
      const first = await waitFor(async () => (await deliveries(gw, m.key, eventId)).find((d) => d.attempts === 1 && d.next_attempt_at));
      expect(gapS(first)).toBeCloseTo(60, 0);
      expect((await gw.api(m.key, 'POST', `/v1/events/${eventId}/resend`)).status).toBe(200);
      const second = await waitFor(async () => (await deliveries(gw, m.key, eventId)).find((d) => d.attempts === 2 && d.next_attempt_at));
      expect(second.status).toBe('pending');
      expect(gapS(second)).toBeCloseTo(60, 0); // the old code continued the schedule: 300
      expect(receiver.received).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  });

  it('an operator retry of a dead deliver_webhook job restarts it too', async () => {
    const receiver = await startReceiver(() => 500);
    try {
      const m = await sandboxMerchant(gw, receiver.url, ['payment.succeeded']);
      const eventId = await payOnce(gw, m.key, 'DLV-3');
      await waitFor(async () => (await deliveries(gw, m.key, eventId)).find((d) => d.attempts === 1 && d.next_attempt_at));
      // As the worker leaves a job whose runs ran out half-way through the schedule (step 5).
      const db = gw.rt.ctx.db;
      const delivery = await db.selectFrom('webhook_deliveries').select('id').where('event_id', '=', eventId).executeTakeFirstOrThrow();
      const job = await db.selectFrom('jobs').select('id').where('kind', '=', 'deliver_webhook').where('ref_id', '=', delivery.id).executeTakeFirstOrThrow();
      await db.updateTable('jobs').set({ dead_at: Date.now(), run_at: Number.MAX_SAFE_INTEGER, payload: JSON.stringify({ step: 5 }), last_error: 'runs spent' }).where('id', '=', job.id).execute();
      await db.updateTable('webhook_deliveries').set({ status: 'failed' }).where('id', '=', delivery.id).execute();
      expect((await deliveries(gw, m.key, eventId))[0]!.next_attempt_at).toBeNull(); // dead: nothing scheduled

      expect((await gw.admin('POST', `/admin/jobs/${job.id}/retry`)).status).toBe(200);
      const after = await waitFor(async () => (await deliveries(gw, m.key, eventId)).find((d) => d.attempts === 2 && d.next_attempt_at));
      expect(gapS(after)).toBeCloseTo(60, 0); // step 5 would have been 2 h
    } finally {
      await receiver.close();
    }
  });
});

/** The README's receiver, byte for byte as published. */
function readmeReceiver(): string {
  const readme = fs.readFileSync(path.join(import.meta.dirname, '../../../README.md'), 'utf8');
  const m = /<!-- webhook-receiver-example -->\n```js\n([\s\S]*?)\n```/.exec(readme);
  if (!m) throw new Error('README.md lost its webhook receiver example');
  return m[1]!;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe("the README's webhook receiver", () => {
  let gw: Gateway;
  let child: ChildProcess | undefined;
  let dir: string;
  beforeAll(async () => {
    gw = await startGateway({ db: 'sqlite' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-readme-receiver-'));
  });
  afterAll(async () => {
    child?.kill();
    await gw?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('verifies a real delivery, and refuses a forged one and one signed 301 s ago', async () => {
    const file = path.join(dir, 'receiver.mjs');
    fs.writeFileSync(file, readmeReceiver());
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/hooks`;
    const m = await sandboxMerchant(gw, url, ['payment.succeeded']);
    let out = '';
    child = spawn(process.execPath, [file], { env: { ...process.env, PORT: String(port), PAYGATE_WEBHOOK_SECRET: m.webhookSecret! }, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout!.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    await waitFor(async () => (await fetch(url, { method: 'POST', body: '{}' }).then((r) => r.status === 400, () => false)) || undefined, { what: 'the receiver to listen' });

    const eventId = await payOnce(gw, m.key, 'DLV-README');
    await waitFor(() => out.includes(`verified ${eventId} payment.succeeded pay_`) || undefined, { what: 'the receiver to verify the delivery' });
    const [d] = await waitFor(async () => {
      const list = await deliveries(gw, m.key, eventId);
      return list[0]?.status === 'succeeded' ? list : undefined;
    });
    expect(d).toMatchObject({ attempts: 1, last_status_code: 200 });

    const body = JSON.stringify({ id: 'evt_forged', object: 'event', type: 'payment.succeeded', data: { object: { id: 'pay_x' } } });
    const sign = (t: number, secret = m.webhookSecret!) => `t=${t},v1=${crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
    const post = (sig: string) => fetch(url, { method: 'POST', headers: { 'paygate-signature': sig }, body }).then((r) => r.status);
    const now = Math.floor(Date.now() / 1000);
    expect(await post(sign(now - 301))).toBe(400);
    expect(await post(sign(now, 'whsec_wrong'))).toBe(400);
    expect(await post('t=1,v1=zz')).toBe(400);
    expect(await post(sign(now - 290))).toBe(200);
  });
});
