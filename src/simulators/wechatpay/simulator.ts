import { createPublicKey, type KeyObject } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { registerPortalRoutes } from './portal.js';
import { APPID_RE, MCHID_RE, MerchantInputError, registerAdminRoutes, type RegisteredMerchant, type RegisterMerchantInput } from './admin.js';
import { registerApi } from './api.js';
import { BillTokens, registerBillRoutes } from './bills.js';
import type { SimContext } from './context.js';
import { DEFAULT_FAULTS, parseFaultsPatch, type Faults } from '../common/faults.js';
import { newApiv3Key, newAppid, newMchid, newSerial } from './ids.js';
import { generateRsaPemPair, loadOrCreatePlatformKeys, normalizeMerchantPublicKey, type PlatformKeys, type Signer } from './keys.js';
import { Notifier } from './notifier.js';
import { Orders } from './orders.js';
import { payOrder, registerPayerRoutes, scanReference, type PayerOrder, type PayOutcome } from './payer.js';
import { Store } from './store.js';
import * as tx from './transactions.js';
import { abortableSleep } from '../common/lifecycle.js';

export interface WechatpaySimulatorOptions {
  /** If set: keys in <dataDir>/wechatpay-keys.json, state in <dataDir>/wechatpay-sim.sqlite; unset: in memory, fresh keys. */
  dataDir?: string | undefined;
  /** Multiplies notification retry delays and refund processing time (1 = WeChat's real pace). */
  timeScale?: number | undefined;
  /** e.g. "http://127.0.0.1:8080/sandbox/wechatpay"; known only after listen, hence a function. */
  publicBaseUrl: () => string;
  log?: (message: string) => void;
}

const BODY_LIMIT = 256 * 1024;

export class WechatpaySimulator {
  /** Register with { prefix: '/sandbox/wechatpay' }. Encapsulated: its body parsers stay inside it. */
  readonly plugin: FastifyPluginAsync;
  readonly keys: PlatformKeys;

  private readonly store: Store;
  private readonly notifier: Notifier;
  private readonly ctx: SimContext;
  private readonly ticker: NodeJS.Timeout;
  private readonly merchantKeys = new Map<string, { pem: string; key: KeyObject }>();
  private readonly shutdown = new AbortController();
  private currentFaults: Faults = { ...DEFAULT_FAULTS };
  private closed = false;

  constructor(opts: WechatpaySimulatorOptions) {
    const timeScale = opts.timeScale ?? 1;
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new RangeError('timeScale must be a positive number');
    const log = opts.log ?? ((m: string) => console.error(m));
    const now = () => Date.now();
    this.keys = loadOrCreatePlatformKeys(opts.dataDir);
    this.store = new Store(opts.dataDir);
    const signerFor = (mchid: string | undefined): Signer =>
      (mchid !== undefined && this.store.getMerchant(mchid)?.mode === 'certificate' ? this.keys.certificateMode : this.keys.publicKeyMode);
    this.notifier = new Notifier({ store: this.store, signerFor, faults: () => this.currentFaults, timeScale, now, log });
    this.ctx = {
      store: this.store,
      orders: new Orders(this.store, this.notifier, now, timeScale),
      keys: this.keys,
      bills: new BillTokens(),
      faults: () => this.currentFaults,
      publicBaseUrl: () => opts.publicBaseUrl().replace(/\/+$/, ''),
      now,
      merchantKey: (mchid) => this.merchantKey(mchid),
      signerFor,
      rawBody: (req: FastifyRequest) => (typeof req.body === 'string' ? req.body : ''),
      sleep: (ms) => this.sleep(ms),
      random: Math.random,
      log,
    };
    // One loop for expiry, refund settlement and due notifications; scaled for tiny timeScales.
    const tickMs = Math.min(1000, Math.max(25, Math.round(1000 * timeScale)));
    this.ticker = setInterval(() => this.tick(), tickMs);
    this.ticker.unref();
    setImmediate(() => this.tick());
    this.plugin = this.buildPlugin();
  }

  /** Registers (or re-keys) a merchant and returns the credentials of its provider account. */
  registerMerchant(input: RegisterMerchantInput = {}): RegisteredMerchant {
    const mchid = input.mchid ?? newMchid();
    const appid = input.appid ?? newAppid();
    if (!MCHID_RE.test(mchid) || !APPID_RE.test(appid)) throw new MerchantInputError('mchid must be digits and appid letters/digits');
    let publicKeyPem: string;
    let privateKeyPem: string | undefined;
    if (input.merchantPublicKeyPem !== undefined) {
      try {
        publicKeyPem = normalizeMerchantPublicKey(input.merchantPublicKeyPem);
      } catch (err) {
        throw new MerchantInputError((err as Error).message);
      }
    } else {
      ({ publicKeyPem, privateKeyPem } = generateRsaPemPair());
    }
    const mode = input.mode ?? 'public_key';
    const row = { mchid, appid, serial_no: newSerial(), public_key: publicKeyPem, apiv3_key: newApiv3Key(), mode, created_at: Date.now() };
    this.store.upsertMerchant(row);
    return {
      mchid, appid, merchant_serial_no: row.serial_no, ...(privateKeyPem !== undefined ? { private_key: privateKeyPem } : {}), apiv3_key: row.apiv3_key,
      ...(mode === 'public_key'
        ? { wechatpay_public_key_id: this.keys.publicKeyMode.serial, wechatpay_public_key: this.keys.publicKeyMode.publicKeyPem }
        : { platform_certificates: [this.keys.certificateMode.certificatePem] }),
    };
  }

  setFaults(f: Partial<Faults>): void {
    this.currentFaults = { ...this.currentFaults, ...parseFaultsPatch(f) };
  }

  get faults(): Faults {
    return { ...this.currentFaults };
  }

  /** Same as POST /_payer/pay. Throws a PayerError. */
  pay(reference: string, outcome: PayOutcome): PayerOrder {
    return payOrder(this.ctx, reference, outcome);
  }

  /** Same as POST /_payer/scan. */
  scan(reference: string): PayerOrder {
    return scanReference(this.ctx, reference);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ticker);
    this.shutdown.abort();
    await this.notifier.close();
    this.store.close();
  }

  private tick(): void {
    if (this.closed) return;
    try {
      this.ctx.orders.sweep();
      this.notifier.runDue();
    } catch (err) {
      this.ctx.log(`wechatpay-sim: background tick failed: ${String(err)}`);
    }
  }

  private sleep(ms: number): Promise<void> {
    return abortableSleep(this.shutdown.signal, ms);
  }

  private merchantKey(mchid: string): KeyObject | undefined {
    const m = this.store.getMerchant(mchid);
    if (!m) return undefined;
    const cached = this.merchantKeys.get(mchid);
    if (cached && cached.pem === m.public_key) return cached.key;
    const key = createPublicKey(m.public_key);
    this.merchantKeys.set(mchid, { pem: m.public_key, key });
    return key;
  }

  private buildPlugin(): FastifyPluginAsync {
    return async (app: FastifyInstance) => {
      // Bodies stay raw text inside this plugin: request signatures cover the exact bytes.
      app.removeAllContentTypeParsers();
      app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
      const parseJsonText = (raw: string): unknown => {
        try {
          return raw === '' ? undefined : (JSON.parse(raw) as unknown);
        } catch {
          return null; // callers reject null as "not a JSON object"
        }
      };
      app.setErrorHandler((err: FastifyError, _req, reply) => {
        const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
        if (status === 500) this.ctx.log(`wechatpay-sim: ${err.stack ?? err.message}`);
        return reply.code(status).send({ code: status === 500 ? 'SYSTEM_ERROR' : 'PARAM_ERROR', message: status === 500 ? '系统错误' : err.message });
      });
      // Hung requests (timeout fault) must not hold up the host's close().
      app.addHook('preClose', (done) => {
        this.shutdown.abort();
        done();
      });
      const sim = this.ctx;
      registerApi(app, sim, [
        ['POST', '/v3/pay/transactions/native', (c) => tx.native(sim, c)],
        ['GET', '/v3/pay/transactions/out-trade-no/:out_trade_no', (c) => tx.queryByOutTradeNo(sim, c)],
        ['GET', '/v3/pay/transactions/id/:transaction_id', (c) => tx.queryById(sim, c)],
        ['POST', '/v3/pay/transactions/out-trade-no/:out_trade_no/close', (c) => tx.close(sim, c)],
        ['POST', '/v3/refund/domestic/refunds', (c) => tx.refund(sim, c)],
        ['GET', '/v3/refund/domestic/refunds/:out_refund_no', (c) => tx.refundQuery(sim, c)],
      ]);
      registerBillRoutes(app, sim);
      registerPayerRoutes(app, sim, parseJsonText);
      registerPortalRoutes(app, sim, (req) => parseJsonText(sim.rawBody(req)));
      registerAdminRoutes(app, {
        registerMerchant: (input) => this.registerMerchant(input),
        setFaults: (f) => this.setFaults(f),
        faults: () => this.faults,
      }, (req) => parseJsonText(sim.rawBody(req)));
    };
  }
}
