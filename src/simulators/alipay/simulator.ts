import { createPublicKey, type KeyObject } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify';
import { AppInputError, APP_ID_RE, registerAdminRoutes, type RegisterAppInput, type RegisteredApp, type RegisteredCertApp, type RotatedCert } from './admin.js';
import { BillTokens, registerBillRoutes } from './bills.js';
import { SandboxCa } from './ca.js';
import type { SimContext } from './context.js';
import { DEFAULT_FAULTS, parseFaultsPatch, type Faults } from '../common/faults.js';
import { GATEWAY_BODY_LIMIT, parseForm, RequestFormatError, registerGateway } from './gateway.js';
import { newAppId, newUserId } from './ids.js';
import { generateRsaPemPair, loadOrCreateAlipayKeys, normalizeAppPublicKey, type AlipayKeyPair } from './keys.js';
import { Notifier } from './notifier.js';
import { payTrade, registerPayerRoutes, scanReference, type PayerTrade, type PayOutcome } from './payer.js';
import { portalRefund, registerPortalRoutes, type PortalRefund } from './portal.js';
import type { Signer } from './crypto.js';
import { Store, type AppRow } from './store.js';
import { Trades } from './trades.js';
import { abortableSleep } from '../common/lifecycle.js';


export interface AlipaySimulatorOptions {
  /** If set: keys in <dataDir>/alipay-keys.json, the CA in alipay-ca.json and state in alipay-sim.sqlite; unset: in-memory + fresh keys. */
  dataDir?: string;
  /** Multiplies notification retry delays (1 = Alipay's real schedule). */
  timeScale?: number;
  /** e.g. "http://127.0.0.1:8080/sandbox/alipay"; known only after listen, hence a function. */
  publicBaseUrl: () => string;
  /** Where unexpected errors go; defaults to console.error. */
  log?: (message: string) => void;
}

export class AlipaySimulator {
  /** Register with { prefix: '/sandbox/alipay' }. Encapsulated: its body parsers stay inside it. */
  readonly plugin: FastifyPluginAsync;
  readonly alipayPublicKeyPem: string;

  private readonly store: Store;
  private readonly keys: AlipayKeyPair;
  private readonly ca: SandboxCa;
  private readonly notifier: Notifier;
  private readonly ctx: SimContext;
  private readonly ticker: NodeJS.Timeout;
  private readonly appKeys = new Map<string, { pem: string; key: KeyObject }>();
  private readonly shutdown = new AbortController();
  private currentFaults: Faults = { ...DEFAULT_FAULTS };
  private closed = false;

  constructor(opts: AlipaySimulatorOptions) {
    const timeScale = opts.timeScale ?? 1;
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new RangeError('timeScale must be a positive number');
    const log = opts.log ?? ((m: string) => console.error(m));
    const now = () => Date.now();
    this.keys = loadOrCreateAlipayKeys(opts.dataDir);
    this.alipayPublicKeyPem = this.keys.publicKeyPem;
    this.ca = new SandboxCa(opts.dataDir);
    this.store = new Store(opts.dataDir);
    const signerFor = (app: AppRow | undefined): Signer => {
      if (app?.sign_mode !== 'certificate') return { privateKey: this.keys.privateKey };
      const { cert, key } = this.ca.current(now());
      return { privateKey: key, certSn: cert.sn };
    };
    this.notifier = new Notifier({
      store: this.store,
      signerFor: (appId) => signerFor(this.store.getApp(appId)),
      faults: () => this.currentFaults,
      timeScale,
      now,
      log,
    });
    const trades = new Trades(this.store, this.notifier, now);
    this.ctx = {
      store: this.store,
      trades,
      keys: this.keys,
      ca: this.ca,
      signerFor,
      bills: new BillTokens(),
      faults: () => this.currentFaults,
      publicBaseUrl: () => opts.publicBaseUrl().replace(/\/+$/, ''),
      now,
      appPublicKey: (appId) => this.appPublicKey(appId),
      sleep: (ms) => this.sleep(ms),
      random: Math.random,
      log,
    };
    // One loop for expiry and due notifications; scaled so tiny timeScales still retry promptly.
    const tickMs = Math.min(1000, Math.max(25, Math.round(1000 * timeScale)));
    this.ticker = setInterval(() => this.tick(), tickMs);
    this.ticker.unref();
    setImmediate(() => this.tick());
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

  setFaults(f: Partial<Faults>): void {
    // Same validation as POST /_faults, so programmatic callers cannot set nonsense either.
    this.currentFaults = { ...this.currentFaults, ...parseFaultsPatch(f) };
  }

  get faults(): Faults {
    return { ...this.currentFaults };
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
      this.ctx.trades.expireDue();
      this.notifier.runDue();
    } catch (err) {
      this.ctx.log(`alipay-sim: background tick failed: ${String(err)}`);
    }
  }

  private sleep(ms: number): Promise<void> {
    return abortableSleep(this.shutdown.signal, ms);
  }

  private appPublicKey(appId: string): KeyObject | undefined {
    const app = this.store.getApp(appId);
    if (!app) return undefined;
    const cached = this.appKeys.get(appId);
    if (cached && cached.pem === app.app_public_key) return cached.key;
    const key = createPublicKey(app.app_public_key);
    this.appKeys.set(appId, { pem: app.app_public_key, key });
    return key;
  }

  private doRegisterApp(input: RegisterAppInput): RegisteredApp | RegisteredCertApp {
    const appId = input.appId ?? newAppId();
    if (!APP_ID_RE.test(appId)) throw new AppInputError('app_id must be 1-32 letters, digits, "_" or "-"');
    let publicKeyPem: string;
    let privateKeyPem: string | undefined;
    if (input.appPublicKeyPem !== undefined) {
      try {
        publicKeyPem = normalizeAppPublicKey(input.appPublicKeyPem);
      } catch (err) {
        throw new AppInputError((err as Error).message);
      }
    } else {
      ({ publicKeyPem, privateKeyPem } = generateRsaPemPair());
    }
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
    return async (app: FastifyInstance) => {
      const FORM = 'application/x-www-form-urlencoded';
      // Encapsulated context: replacing the form parser here does not touch the host app's.
      if (app.hasContentTypeParser(FORM)) app.removeContentTypeParser(FORM);
      app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: GATEWAY_BODY_LIMIT }, (req, body, done) => {
        const charset = /charset=([^;\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
        if (charset !== undefined && !/^"?utf-?8"?$/i.test(charset)) {
          done(new RequestFormatError(`unsupported charset "${charset}": the sandbox only accepts utf-8`), undefined);
          return;
        }
        try {
          done(null, parseForm(String(body), 'body'));
        } catch (err) {
          done(err as Error, undefined);
        }
      });
      app.setErrorHandler((err: FastifyError, _req, reply) => {
        const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
        if (status === 500) this.ctx.log(`alipay-sim: ${err.stack ?? err.message}`);
        return reply.code(status).send({
          error: { code: status === 500 ? 'INTERNAL' : (err.code ?? 'INVALID_REQUEST'), message: status === 500 ? 'internal error' : err.message },
        });
      });
      // Hung gateway.do requests (timeout fault) must not hold up the host's close().
      app.addHook('preClose', (done) => {
        this.shutdown.abort();
        done();
      });
      registerGateway(app, this.ctx);
      registerPayerRoutes(app, this.ctx);
      registerPortalRoutes(app, this.ctx);
      registerBillRoutes(app, this.ctx);
      registerAdminRoutes(app, {
        registerApp: (input) => this.doRegisterApp(input),
        rotateAlipayCert: (ms) => this.rotateAlipayCert(ms),
        setFaults: (f) => this.setFaults(f),
        faults: () => this.faults,
      });
    };
  }
}
