import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { BillControls } from '../common/bill-controls.js';
import { SimulatorHost, type SimulatorOptions } from '../common/host.js';
import { merchantKeys, PublicKeyCache } from '../common/keys.js';
import { registerPortalRoutes } from './portal.js';
import { APPID_RE, MCHID_RE, MerchantInputError, registerAdminRoutes, type RegisteredMerchant, type RegisterMerchantInput } from './admin.js';
import { registerApi } from './api.js';
import { BILL_URL_TTL_MS, prepareSyntheticBill, registerBillRoutes } from './bills.js';
import { ShortLivedTokens } from '../common/tokens.js';
import type { SimContext } from './context.js';
import { newApiv3Key, newAppid, newMchid, newSerial } from './ids.js';
import { generateRsaPemPair, loadOrCreatePlatformKeys, normalizeMerchantPublicKey, type PlatformKeys, type Signer } from './keys.js';
import { Notifier, notificationProtocol } from './notifier.js';
import { Orders } from './orders.js';
import { payOrder, registerPayerRoutes, scanReference, type PayerOrder, type PayOutcome } from './payer.js';
import { Store } from './store.js';
import * as tx from './transactions.js';

/** dataDir, if set: keys in <dataDir>/wechatpay-keys.json, state in <dataDir>/wechatpay-sim.sqlite. timeScale also scales refund processing. */
export type WechatpaySimulatorOptions = SimulatorOptions;

const BODY_LIMIT = 256 * 1024;

export class WechatpaySimulator extends SimulatorHost {
  /** Register with { prefix: '/sandbox/wechatpay' }. Encapsulated: its body parsers stay inside it. */
  readonly plugin: FastifyPluginAsync;
  readonly keys: PlatformKeys;
  /** The bill controls, also reachable as POST /_bills/... */
  readonly billControls = new BillControls();

  private readonly store: Store;
  private readonly ctx: SimContext;
  private readonly merchantKeys = new PublicKeyCache();

  constructor(opts: WechatpaySimulatorOptions) {
    super('wechatpay-sim', opts);
    const now = () => this.now();
    this.keys = loadOrCreatePlatformKeys(opts.dataDir);
    this.store = new Store(opts.dataDir);
    const signerFor = (mchid: string | undefined): Signer =>
      (mchid !== undefined && this.store.getMerchant(mchid)?.mode === 'certificate' ? this.keys.certificateMode : this.keys.publicKeyMode);
    const outbox = this.outbox(this.store.notifications, notificationProtocol(signerFor, now));
    this.closeWith(outbox, this.store);
    const orders = new Orders(this.store, new Notifier(outbox, now), now, this.timeScale);
    this.ctx = {
      ...this.hostContext(),
      store: this.store,
      orders,
      keys: this.keys,
      bills: new ShortLivedTokens(BILL_URL_TTL_MS),
      billControls: this.billControls,
      merchantKey: (mchid) => this.merchantKeys.get(mchid, this.store.getMerchant(mchid)?.public_key),
      signerFor,
      rawBody: (req: FastifyRequest) => (typeof req.body === 'string' ? req.body : ''),
    };
    this.billControls.onSynthetic((mchid, date) => prepareSyntheticBill(this.ctx, mchid, date));
    this.closeWith(this.billControls);
    // Expiry, refund settlement and due notifications.
    this.startTicking(() => {
      orders.sweep();
      outbox.runDue();
    });
    this.plugin = this.buildPlugin();
  }

  /** Registers (or re-keys) a merchant and returns the credentials of its provider account. */
  registerMerchant(input: RegisterMerchantInput = {}): RegisteredMerchant {
    const mchid = input.mchid ?? newMchid();
    const appid = input.appid ?? newAppid();
    if (!MCHID_RE.test(mchid) || !APPID_RE.test(appid)) throw new MerchantInputError('mchid must be digits and appid letters/digits');
    const { publicKeyPem, privateKeyPem } = merchantKeys(input.merchantPublicKeyPem, {
      normalize: normalizeMerchantPublicKey, generate: generateRsaPemPair, inputError: (m) => new MerchantInputError(m),
    });
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

  /** Same as POST /_payer/pay. Throws a PayerError. */
  pay(reference: string, outcome: PayOutcome): PayerOrder {
    return payOrder(this.ctx, reference, outcome);
  }

  /** Same as POST /_payer/scan. */
  scan(reference: string): PayerOrder {
    return scanReference(this.ctx, reference);
  }

  private buildPlugin(): FastifyPluginAsync {
    const parseJsonText = (raw: string): unknown => {
      try {
        return raw === '' ? undefined : (JSON.parse(raw) as unknown);
      } catch {
        return null; // callers reject null as "not a JSON object"
      }
    };
    const errorBody = (err: { message: string }, internal: boolean) =>
      ({ code: internal ? 'SYSTEM_ERROR' : 'PARAM_ERROR', message: internal ? '系统错误' : err.message });
    return this.hostPlugin(errorBody, (app) => {
      // Bodies stay raw text inside this plugin: request signatures cover the exact bytes.
      app.removeAllContentTypeParsers();
      app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
      const sim = this.ctx;
      const jsonBody = (req: FastifyRequest) => parseJsonText(sim.rawBody(req));
      registerApi(app, sim, [
        ['POST', '/v3/pay/transactions/native', (c) => tx.native(sim, c)],
        ['GET', '/v3/pay/transactions/out-trade-no/:out_trade_no', (c) => tx.queryByOutTradeNo(sim, c)],
        ['GET', '/v3/pay/transactions/id/:transaction_id', (c) => tx.queryById(sim, c)],
        ['POST', '/v3/pay/transactions/out-trade-no/:out_trade_no/close', (c) => tx.close(sim, c)],
        ['POST', '/v3/refund/domestic/refunds', (c) => tx.refund(sim, c)],
        ['GET', '/v3/refund/domestic/refunds/:out_refund_no', (c) => tx.refundQuery(sim, c)],
      ]);
      registerBillRoutes(app, sim);
      // The controls read parsed JSON; everything else here keeps raw text for signatures.
      void app.register(async (controls) => {
        controls.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, parseJsonText(String(body)) ?? {}));
        sim.billControls.register(controls);
      });
      registerPayerRoutes(app, sim, parseJsonText);
      registerPortalRoutes(app, sim, jsonBody);
      registerAdminRoutes(app, { registerMerchant: (input) => this.registerMerchant(input) }, jsonBody);
      this.faultsRoutes(app, { body: jsonBody });
    });
  }
}
