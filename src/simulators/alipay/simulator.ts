import type { FastifyPluginAsync } from 'fastify';
import { AppInputError, APP_ID_RE, registerAdminRoutes, type RegisterAppInput, type RegisteredApp, type RegisteredCertApp, type RotatedCert } from './admin.js';
import { BILL_URL_TTL_MS, prepareSyntheticBill, registerBillRoutes } from './bills.js';
import { BillControls } from '../common/bill-controls.js';
import { ShortLivedTokens } from '../common/tokens.js';
import { SandboxCa } from './ca.js';
import type { SimContext } from './context.js';
import { merchantKeys, PublicKeyCache } from '../common/keys.js';
import { formParser, sandboxErrorBody, SimulatorHost, type SimulatorOptions } from '../common/host.js';
import { GATEWAY_BODY_LIMIT, parseForm, RequestFormatError, registerGateway } from './gateway.js';
import { newAppId, newUserId } from './ids.js';
import { generateRsaPemPair, loadOrCreateAlipayKeys, normalizeAppPublicKey, type AlipayKeyPair } from './keys.js';
import { Notifier, notificationProtocol } from './notifier.js';
import { JSON_BODY_LIMIT, payTrade, registerPayerRoutes, scanReference, type PayerTrade, type PayOutcome } from './payer.js';
import { portalRefund, registerPortalRoutes, type PortalRefund } from './portal.js';
import type { Signer } from './crypto.js';
import { Store, type AppRow } from './store.js';
import { Trades } from './trades.js';

/** dataDir, if set: keys in <dataDir>/alipay-keys.json, the CA in alipay-ca.json and state in alipay-sim.sqlite. */
export type AlipaySimulatorOptions = SimulatorOptions;

export class AlipaySimulator extends SimulatorHost {
  /** Register with { prefix: '/sandbox/alipay' }. Encapsulated: its body parsers stay inside it. */
  readonly plugin: FastifyPluginAsync;
  readonly alipayPublicKeyPem: string;
  /** The bill controls of POST /_bills/… (keyed by app_id and GMT+8 day), for tests that set them directly. */
  readonly billControls = new BillControls();

  private readonly store: Store;
  private readonly keys: AlipayKeyPair;
  private readonly ca: SandboxCa;
  private readonly ctx: SimContext;
  private readonly appKeys = new PublicKeyCache();

  constructor(opts: AlipaySimulatorOptions) {
    super('alipay-sim', opts);
    const now = () => this.now();
    this.keys = loadOrCreateAlipayKeys(opts.dataDir);
    this.alipayPublicKeyPem = this.keys.publicKeyPem;
    this.ca = new SandboxCa(opts.dataDir);
    this.store = new Store(opts.dataDir);
    const signerFor = (app: AppRow | undefined): Signer => {
      if (app?.sign_mode !== 'certificate') return { privateKey: this.keys.privateKey };
      const { cert, key } = this.ca.current(now());
      return { privateKey: key, certSn: cert.sn };
    };
    const outbox = this.outbox(this.store.notifications, notificationProtocol((appId) => signerFor(this.store.getApp(appId)), now));
    this.closeWith(outbox, this.store);
    const trades = new Trades(this.store, new Notifier(outbox, now), now);
    this.ctx = {
      ...this.hostContext(),
      store: this.store,
      trades,
      keys: this.keys,
      ca: this.ca,
      signerFor,
      bills: new ShortLivedTokens(BILL_URL_TTL_MS),
      billControls: this.billControls,
      appPublicKey: (appId) => this.appKeys.get(appId, this.store.getApp(appId)?.app_public_key),
    };
    this.billControls.onSynthetic((appId, date) => prepareSyntheticBill(this.ctx, appId, date));
    this.closeWith(this.billControls);
    this.startTicking(() => {
      trades.expireDue();
      outbox.runDue();
    });
    this.plugin = this.buildPlugin();
  }

  registerApp(input: { appId?: string; appPublicKeyPem?: string } = {}): RegisteredApp {
    return this.doRegisterApp({ ...input, mode: 'public_key' }) as RegisteredApp;
  }

  /** 公钥证书模式: same as POST /_apps with mode "certificate". */
  registerCertApp(input: { appId?: string; appPublicKeyPem?: string } = {}): RegisteredCertApp {
    return this.doRegisterApp({ ...input, mode: 'certificate' }) as RegisteredCertApp;
  }

  /**
   * Alipay's certificate rotation: a new signing certificate, used from `activateInMs` on.
   * The old certificates stay valid, and downloadable by SN (alipay.open.app.alipaycert.download).
   */
  rotateAlipayCert(activateInMs = 0): RotatedCert {
    const cert = this.ca.rotate(Date.now() + activateInMs);
    return { alipay_cert_sn: cert.sn, alipay_public_cert: this.ca.alipayCertFile(cert), active_from: cert.activeFrom };
  }

  /** Same as POST /_payer/pay: scans (if needed) then pays or fails. Rejects with a PayerError. */
  async pay(reference: string, outcome: PayOutcome): Promise<PayerTrade> {
    return payTrade(this.ctx, reference, outcome);
  }

  /** A refund made in the merchant portal, not through the API: same as POST /_merchant/refund. */
  merchantPortalRefund(reference: string, refundAmount: string, reason?: string): PortalRefund {
    return portalRefund(this.ctx, reference, refundAmount, reason);
  }

  /** Same as POST /_payer/scan. */
  async scan(reference: string): Promise<PayerTrade> {
    return scanReference(this.ctx, reference);
  }

  private doRegisterApp(input: RegisterAppInput): RegisteredApp | RegisteredCertApp {
    const appId = input.appId ?? newAppId();
    if (!APP_ID_RE.test(appId)) throw new AppInputError('app_id must be 1-32 letters, digits, "_" or "-"');
    const { publicKeyPem, privateKeyPem } = merchantKeys(input.appPublicKeyPem, {
      normalize: normalizeAppPublicKey, generate: generateRsaPemPair, inputError: (m) => new AppInputError(m),
    });
    const certMode = input.mode === 'certificate';
    const appCert = certMode ? this.ca.issueAppCert(appId, publicKeyPem) : undefined;
    // Re-registering an app id replaces its key (and mode) but keeps its seller id (the bill account).
    const existing = this.store.getApp(appId);
    this.store.upsertApp({
      app_id: appId,
      app_public_key: publicKeyPem,
      seller_id: existing?.seller_id ?? newUserId(),
      created_at: existing?.created_at ?? Date.now(),
      sign_mode: certMode ? 'certificate' : 'public_key',
      app_cert_sn: appCert?.sn ?? null,
    });
    if (appCert) {
      return {
        app_id: appId,
        ...(privateKeyPem !== undefined ? { private_key: privateKeyPem } : {}),
        app_cert: appCert.certPem,
        alipay_public_cert: this.ca.alipayCertFile(this.ca.current(Date.now()).cert),
        alipay_root_cert: this.ca.rootBundle(),
      };
    }
    return {
      app_id: appId,
      ...(privateKeyPem !== undefined ? { private_key: privateKeyPem } : {}),
      alipay_public_key: this.alipayPublicKeyPem,
    };
  }

  private buildPlugin(): FastifyPluginAsync {
    return this.hostPlugin(sandboxErrorBody, (app) => {
      formParser(app, GATEWAY_BODY_LIMIT, (body, req) => {
        const charset = /charset=([^;\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
        if (charset !== undefined && !/^"?utf-?8"?$/i.test(charset)) {
          throw new RequestFormatError(`unsupported charset "${charset}": the sandbox only accepts utf-8`);
        }
        return parseForm(body, 'body');
      });
      registerGateway(app, this.ctx);
      registerPayerRoutes(app, this.ctx);
      registerPortalRoutes(app, this.ctx);
      registerBillRoutes(app, this.ctx);
      this.billControls.register(app);
      registerAdminRoutes(app, {
        registerApp: (input) => this.doRegisterApp(input),
        rotateAlipayCert: (ms) => this.rotateAlipayCert(ms),
      });
      this.faultsRoutes(app, { bodyLimit: JSON_BODY_LIMIT });
    });
  }
}
