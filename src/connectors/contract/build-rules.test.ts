/**
 * "build() never throws" (docs/adr/0008-connector-rules.md), checked over all five
 * connectors with input none of them can send: every builder answers a request or a
 * non-retryable failure value, and never an exception.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../domain/ids.js';
import { createSimulators, type SandboxSimulator } from '../../sandbox/index.js';
import type { ConnectorContext, ConnectorFailure, CreateInput, RefundInput, WireRequest } from '../types.js';
import type { ContractAdapter } from './adapter.js';
import { alipayContract } from './alipay.js';
import { paypalContract } from './paypal.js';
import { stripeContract } from './stripe.js';
import { unionpayContract } from './unionpay.js';
import { wechatpayContract } from './wechatpay.js';

let dataDir: string;
let sims: SandboxSimulator[] = [];

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-build-rules-'));
  sims = createSimulators({ dataDir, timeScale: 0.001, publicUrl: () => 'http://127.0.0.1:9' });
});

afterAll(async () => {
  for (const s of sims) await s.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Runs a builder; an exception fails the test with what was thrown. */
function outcome(build: () => WireRequest | ConnectorFailure): WireRequest | ConnectorFailure {
  try {
    return build();
  } catch (err) {
    throw new Error(`build threw instead of answering a failure: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const refused = { ok: false, retryable: false, code: expect.any(String), message: expect.any(String) };

function buildRules<C>(a: ContractAdapter<C>): void {
  describe(`${a.provider}: build() never throws`, () => {
    const c = a.connector;
    let ctx: ConnectorContext<C>;
    beforeAll(async () => {
      const sim = sims.find((s) => s.provider === a.provider);
      if (!sim) throw new Error(`no ${a.provider} simulator`);
      // No accessToken: a connector that needs one (PayPal) must say so as a value.
      ctx = { credentials: c.parseCredentials(await sim.newAccountCredentials()), baseUrl: 'http://127.0.0.1:9/sandbox', notifyUrl: 'http://127.0.0.1:9/notify', now: new Date() };
    });
    const good: CreateInput = { reference: newId('att'), amount: a.amount, currency: a.currency, description: 'rules', expiresAt: new Date(Date.now() + 600_000) };

    it('create: an amount out of range, a currency not offered, an invalid expiry come back as failures', () => {
      expect(outcome(() => c.create.build(ctx, { ...good, amount: 0 }))).toMatchObject(refused);
      expect(outcome(() => c.create.build(ctx, { ...good, currency: 'XTS' }))).toMatchObject(refused);
      const late = outcome(() => c.create.build(ctx, { ...good, expiresAt: new Date(Number.NaN) }));
      if ('ok' in late) expect(late).toMatchObject(refused);
    });

    it('refund and refund query: a refund that cannot be sent (no transaction id, no order total, a bad amount) is a failure or a request, never an exception', () => {
      const bare: RefundInput = { reference: 'not-a-paygate-reference', refundReference: 'nor-this', amount: -1, currency: 'XTS' };
      for (const r of [outcome(() => c.refund.build(ctx, bare)), outcome(() => c.refundQuery.build(ctx, bare))]) {
        if ('ok' in r) expect(r).toMatchObject(refused);
      }
      const refund = outcome(() => c.refund.build(ctx, bare));
      expect(refund).toMatchObject(refused);
    });

    it('query and close: an unknown reference and no order are a failure or a request, never an exception', () => {
      for (const r of [outcome(() => c.query.build(ctx, 'not-a-paygate-reference')), outcome(() => c.close.build(ctx, 'not-a-paygate-reference'))]) {
        if ('ok' in r) expect(r).toMatchObject(refused);
        else expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:9\/sandbox/);
      }
    });
  });
}

buildRules(alipayContract);
buildRules(wechatpayContract);
buildRules(unionpayContract);
buildRules(paypalContract);
buildRules(stripeContract);
