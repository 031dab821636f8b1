/**
 * The one contract suite over every connector/simulator pair (ARCHITECTURE.md, code style):
 * the SAME scenarios — create, query, the buyer pays, the payment notification accepted when
 * authentic and rejected when tampered with, forged or meant for another account, close,
 * refund, refund query — run against all five providers. Each connector is driven exactly as
 * the app drives it: its own build/parse, the real HTTP transport (infra/http/transport.ts),
 * and the real simulator on a loopback port, provisioned as the gateway's sandbox does
 * (sandbox/). The adapters (./<provider>.ts) hold only what differs between providers.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../domain/ids.js';
import { createTransport, type Transport } from '../../infra/http/transport.js';
import { createSimulators, type SandboxSimulator } from '../../sandbox/index.js';
import type { CloseOrder, ConnectorContext, ConnectorFailure, CreateInput, InboundNotification, NotificationAck, QueryResult, RefundInput, VerifiedNotification, WireRequest, WireResponse } from '../types.js';
import { tampered, type ContractAdapter } from './adapter.js';
import { alipayContract } from './alipay.js';
import { paypalContract } from './paypal.js';
import { stripeContract } from './stripe.js';
import { unionpayContract } from './unionpay.js';
import { wechatpayContract } from './wechatpay.js';

const TIMEOUT_MS = 5_000;

interface World {
  url: string;
  sims: Map<string, SandboxSimulator>;
  transport: Transport;
  /** Notifications received per path (/notify/<provider>/<account>), as the gateway's route receives them. */
  inbox: Map<string, InboundNotification[]>;
  notifyUrl(provider: string, account: string): string;
}

let world: World;
let app: FastifyInstance;
let receiver: http.Server;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-contract-'));
  let url = '';
  const sims = createSimulators({ dataDir, timeScale: 0.001, publicUrl: () => url }).filter((s) => s.provider !== 'webhooks');
  app = Fastify({ logger: false });
  for (const sim of sims) await app.register(sim.plugin, { prefix: `/sandbox/${sim.provider}` });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

  const inbox = new Map<string, InboundNotification[]>();
  const acks = new Map<string, (accepted: boolean) => NotificationAck>(ADAPTERS.map((a) => [a.provider, (ok) => a.connector.notificationAck(ok)]));
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = req.url ?? '';
      const list = inbox.get(key) ?? [];
      list.push({ headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8'), contentType: req.headers['content-type'] ?? '' });
      inbox.set(key, list);
      // Acknowledged as the gateway would acknowledge an accepted notification, so the simulator stops resending.
      const ack = acks.get(key.split('/')[2] ?? '')?.(true) ?? { status: 200, contentType: 'text/plain', body: '' };
      res.writeHead(ack.status, { 'content-type': ack.contentType }).end(ack.body);
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const rport = (receiver.address() as { port: number }).port;
  world = {
    url, inbox, transport: createTransport(),
    sims: new Map(sims.map((s) => [s.provider, s])),
    notifyUrl: (provider, account) => `http://127.0.0.1:${rport}/notify/${provider}/${account}`,
  };
});

afterAll(async () => {
  await world?.transport.close();
  receiver?.closeAllConnections();
  await new Promise((r) => receiver?.close(r));
  await app?.close();
  for (const sim of world?.sims.values() ?? []) await sim.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until `done` holds (the simulators settle on timers), returning the last value either way. */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, tries = 60): Promise<T> {
  let v = await read();
  for (let i = 1; i < tries && !done(v); i++) {
    await sleep(100);
    v = await read();
  }
  return v;
}

function contractSuite<C>(a: ContractAdapter<C>): void {
  describe(`${a.provider}: connector against its simulator`, () => {
    const c = a.connector;
    let base: ConnectorContext<C>;
    let otherAccount: ConnectorContext<C>;
    const paid: CreateInput = { reference: newId('att'), amount: a.amount, currency: a.currency, description: 'contract order', expiresAt: new Date(Date.now() + 30 * 60_000), returnUrl: 'https://merchant.example/return' };
    const unpaid: CreateInput = { ...paid, reference: newId('att'), description: 'contract order closed unpaid' };
    let paidOrder: CloseOrder = { amount: a.amount, currency: a.currency };
    let paidNotification: InboundNotification | undefined;

    async function account(name: string): Promise<ConnectorContext<C>> {
      const sim = world.sims.get(a.provider);
      if (!sim) throw new Error(`no ${a.provider} simulator`);
      const raw = await sim.newAccountCredentials();
      const notifyUrl = world.notifyUrl(a.provider, name);
      // As provisioning does: the webhook URL is registered once the account exists (PayPal, Stripe).
      await sim.afterAccountCreated?.(name, notifyUrl, raw);
      return { credentials: c.parseCredentials(raw), baseUrl: `${world.url}/sandbox/${a.provider}`, notifyUrl, now: new Date() };
    }

    /** The context of one call: the time now, and a bearer token for connectors with `auth` (PayPal). */
    async function fresh(ctx: ConnectorContext<C>): Promise<ConnectorContext<C>> {
      const now = { ...ctx, now: new Date() };
      if (!c.auth) return now;
      const token = await send(c.auth.build(now), (res) => c.auth!.parse(now, res));
      if (!token.ok) throw new Error(`${a.provider} token: ${token.code} ${token.message}`);
      return { ...now, accessToken: token.token };
    }

    async function send<R extends { ok: boolean }>(req: WireRequest | ConnectorFailure, parse: (res: WireResponse) => R | ConnectorFailure): Promise<R | ConnectorFailure> {
      if ('ok' in req) return req;
      return parse(await world.transport.send(req, TIMEOUT_MS));
    }

    async function query(input: CreateInput, order: CloseOrder): Promise<QueryResult> {
      const ctx = await fresh(base);
      return send(c.query.build(ctx, input.reference, order), (res) => c.query.parse(ctx, input.reference, input.currency, res, order));
    }

    /** Verification as the app runs it: fetch what the connector asks for (PayPal's certificate), then verify. */
    async function verify(ctx0: ConnectorContext<C>, inbound: InboundNotification): Promise<VerifiedNotification> {
      const ctx = { ...ctx0, now: new Date() };
      const want = c.notificationMaterial?.(ctx, inbound);
      if (want && !want.ok) return want;
      const material = want ? await world.transport.send(want.request, TIMEOUT_MS) : undefined;
      return c.verifyNotification(ctx, inbound, material);
    }

    async function buyerPays(handoff: string): Promise<number> {
      const res = await fetch(`${base.baseUrl}/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: handoff, outcome: 'success' }) });
      await res.text();
      return res.status;
    }

    beforeAll(async () => {
      base = await account('pa_contract');
      otherAccount = await account('pa_other');
    });

    let handoff = '';

    it('create: answers under our reference with what the buyer needs', async () => {
      const ctx = await fresh(base);
      const created = await send(c.create.build(ctx, paid), (res) => c.create.parse(ctx, paid, res));
      if (!created.ok) throw new Error(`create failed: ${created.code} ${created.message}`);
      expect(created.reference).toBe(paid.reference);
      const given = created[a.handoff];
      expect(typeof given).toBe('string');
      expect(given!.length).toBeGreaterThan(8);
      handoff = given!;
      if (created.providerOrderId !== undefined) paidOrder = { ...paidOrder, providerOrderId: created.providerOrderId };
    });

    it('query: an order the buyer has not paid is open, not succeeded', async () => {
      const q = await query(paid, paidOrder);
      if (!q.ok) throw new Error(`query failed: ${q.code} ${q.message}`);
      expect(['pending', 'processing']).toContain(q.status);
      expect(q.providerStatus).not.toBe('');
    });

    it('the buyer pays: query (after capture where the provider needs one) says succeeded, with the amount and a transaction id', async () => {
      expect(await buyerPays(handoff)).toBe(200);
      let q = await until(() => query(paid, paidOrder), (r) => r.ok && (r.status === 'succeeded' || r.requiresCapture === true));
      if (q.ok && q.requiresCapture) {
        expect(c.capture).toBeDefined();
        const ctx = await fresh(base);
        const input = { reference: paid.reference, providerOrderId: paidOrder.providerOrderId ?? '', amount: paid.amount, currency: paid.currency };
        const captured = await send(c.capture!.build(ctx, input), (res) => c.capture!.parse(ctx, input, res));
        expect(captured).toMatchObject({ ok: true, status: 'succeeded' });
        q = await until(() => query(paid, paidOrder), (r) => r.ok && r.status === 'succeeded');
      }
      if (!q.ok) throw new Error(`query failed: ${q.code} ${q.message}`);
      expect(q.status).toBe('succeeded');
      expect(q.amount).toBe(paid.amount);
      expect(q.providerTransactionId).toEqual(expect.any(String));
      paidOrder = { ...paidOrder, providerTransactionId: q.providerTransactionId! };
    });

    it('notification accept: the authentic payment notification verifies, with reference, amount, currency and transaction id', async () => {
      const inbox = () => world.inbox.get(new URL(base.notifyUrl).pathname) ?? [];
      let found: VerifiedNotification | undefined;
      for (let i = 0; i < 100 && !found; i++) {
        for (const n of inbox()) {
          const v = await verify(base, n);
          if (v.ok && v.kind === 'payment' && v.reference === paid.reference && v.status === 'succeeded') {
            found = v;
            paidNotification = n;
            break;
          }
        }
        if (!found) await sleep(100);
      }
      expect(found).toMatchObject({ ok: true, kind: 'payment', reference: paid.reference, status: 'succeeded', amount: paid.amount, currency: paid.currency, providerTransactionId: paidOrder.providerTransactionId });
      // The id the app deduplicates on is the same however often the notification is verified.
      expect(await verify(base, paidNotification!)).toEqual(found);
      expect(c.notificationAck(true).status).toBeGreaterThanOrEqual(200);
      expect(c.notificationAck(true).status).toBeLessThan(300);
      expect(c.notificationAck(false).status).toBeGreaterThanOrEqual(400);
    });

    it('notification reject: tampered bytes, a forged signature and another account are refused', async () => {
      const n = paidNotification;
      if (!n) throw new Error('no authentic notification to alter (see the scenario above)');
      expect(await verify(base, tampered(n))).toMatchObject({ ok: false, code: 'NOTIFY.SIGNATURE_INVALID' });
      expect(await verify(base, a.forge(n))).toMatchObject({ ok: false, code: 'NOTIFY.SIGNATURE_INVALID' });
      const elsewhere = await verify(otherAccount, n);
      expect(elsewhere.ok).toBe(false);
      expect(elsewhere).toMatchObject({ code: expect.stringMatching(/^NOTIFY\.(SIGNATURE_INVALID|ACCOUNT_MISMATCH|DECRYPTION_FAILED)$/) });
    });

    it('close: an unpaid order closes; a query then reports it closed and the buyer cannot pay it', async () => {
      const ctx = await fresh(base);
      const created = await send(c.create.build(ctx, unpaid), (res) => c.create.parse(ctx, unpaid, res));
      if (!created.ok) throw new Error(`create failed: ${created.code} ${created.message}`);
      const order: CloseOrder = { amount: unpaid.amount, currency: unpaid.currency, ...(created.providerOrderId ? { providerOrderId: created.providerOrderId } : {}) };
      const cctx = await fresh(base);
      const closed = await send(c.close.build(cctx, unpaid.reference, order), (res) => c.close.parse(cctx, unpaid.reference, res, order));
      expect(closed).toEqual({ ok: true, outcome: 'closed' });
      const q = await until(() => query(unpaid, order), (r) => r.ok && r.status === a.closedStatus, 30);
      expect(q).toMatchObject({ ok: true, status: a.closedStatus });
      // Where the provider's close ends the order, the buyer can no longer pay it.
      if (a.closeStopsPayment) expect(await buyerPays(created[a.handoff] ?? '')).not.toBe(200);
    });

    it('refund and refund query: a partial refund of the paid order ends succeeded', async () => {
      const input: RefundInput = {
        reference: paid.reference, refundReference: newId('re'), amount: a.refundAmount, currency: a.currency, reason: 'contract refund',
        paymentAmount: paid.amount, providerTransactionId: paidOrder.providerTransactionId!,
      };
      const ctx = await fresh(base);
      const refunded = await send(c.refund.build(ctx, input), (res) => c.refund.parse(ctx, input, res));
      if (!refunded.ok) throw new Error(`refund failed: ${refunded.code} ${refunded.message}`);
      expect(['pending', 'succeeded']).toContain(refunded.status);
      const asked = await until(async () => {
        const qctx = await fresh(base);
        return send(c.refundQuery.build(qctx, input), (res) => c.refundQuery.parse(qctx, input, res));
      }, (r) => r.ok && r.status === 'succeeded');
      expect(asked).toMatchObject({ ok: true, status: 'succeeded' });
      if (refunded.providerRefundId !== undefined && asked.ok && asked.providerRefundId !== undefined) expect(asked.providerRefundId).toBe(refunded.providerRefundId);
    });
  });
}

const ADAPTERS = [alipayContract, wechatpayContract, unionpayContract, paypalContract, stripeContract] as const;

contractSuite(alipayContract);
contractSuite(wechatpayContract);
contractSuite(unionpayContract);
contractSuite(paypalContract);
contractSuite(stripeContract);
