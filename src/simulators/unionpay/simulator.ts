import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify';
import { DEFAULT_FAULTS, parseFaultsPatch, type Faults } from '../common/faults.js';
import { MER_ID_RE, MerchantInputError, registerAdminRoutes, type RegisteredMerchant } from './admin.js';
import { issueMerchantCert, loadOrCreateCa, type Ca } from './ca.js';
import type { SimContext } from './context.js';
import { newMerId } from './format.js';
import { GATEWAY_BODY_LIMIT, parseForm, registerGateway } from './gateway.js';
import { Notifier } from './notifier.js';
import { payOrder, registerPayerRoutes, type PayerView, type PayOutcome } from './payer.js';
import { Store } from './store.js';
import { Txns } from './txns.js';
import { abortableSleep } from '../common/lifecycle.js';

export interface UnionpaySimulatorOptions {
  /** If set: CA in <dataDir>/unionpay-ca.json and state in <dataDir>/unionpay-sim.sqlite; unset: in memory. */
  dataDir?: string | undefined;
  /** Multiplies notification retry delays (1 = the real schedule). */
  timeScale?: number | undefined;
  /** e.g. "http://127.0.0.1:8080/sandbox/unionpay"; known only after listen. */
  publicBaseUrl: () => string;
  log?: (message: string) => void;
}

export class UnionpaySimulator {
  /** Register with { prefix: '/sandbox/unionpay' }. Encapsulated: its body parsers stay inside it. */
  readonly plugin: FastifyPluginAsync;
  readonly ca: Ca;

  private readonly store: Store;
  private readonly notifier: Notifier;
  private readonly ctx: SimContext;
  private readonly ticker: NodeJS.Timeout;
  private readonly shutdown = new AbortController();
  private currentFaults: Faults = { ...DEFAULT_FAULTS };
  private closed = false;

  constructor(opts: UnionpaySimulatorOptions) {
    const timeScale = opts.timeScale ?? 1;
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new RangeError('timeScale must be a positive number');
    const log = opts.log ?? ((m: string) => console.error(m));
    const now = () => Date.now();
    this.ca = loadOrCreateCa(opts.dataDir);
    this.store = new Store(opts.dataDir);
    this.notifier = new Notifier({ store: this.store, ca: this.ca, faults: () => this.currentFaults, timeScale, now, log });
    this.ctx = {
      store: this.store,
      ca: this.ca,
      txns: new Txns(this.store, this.notifier, now),
      faults: () => this.currentFaults,
      publicBaseUrl: () => opts.publicBaseUrl().replace(/\/+$/, ''),
      now,
      sleep: (ms) => this.sleep(ms),
      random: Math.random,
      log,
    };
    const tickMs = Math.min(1000, Math.max(25, Math.round(1000 * timeScale)));
    this.ticker = setInterval(() => this.tick(), tickMs);
    this.ticker.unref();
    this.plugin = this.buildPlugin();
  }

  /** A new sandbox merchant: a signing certificate issued by the sandbox CA, as a PFX. */
  registerMerchant(input: { merId?: string } = {}): RegisteredMerchant {
    const merId = input.merId ?? newMerId();
    if (!MER_ID_RE.test(merId)) throw new MerchantInputError('mer_id must be 1..32 letters or digits');
    const cert = issueMerchantCert(this.ca, merId);
    const existing = this.store.getMerchant(merId);
    this.store.upsertMerchant({ mer_id: merId, cert_pem: cert.certPem, cert_id: cert.certId, created_at: existing?.created_at ?? Date.now() });
    return { mer_id: merId, sign_cert_pfx: cert.pfxBase64, sign_cert_password: cert.password, root_cert: this.ca.rootPem, middle_cert: this.ca.middlePem, environment: 'test' };
  }

  setFaults(f: Partial<Faults>): void {
    this.currentFaults = { ...this.currentFaults, ...parseFaultsPatch(f) };
  }

  get faults(): Faults {
    return { ...this.currentFaults };
  }

  /** Same as POST /_payer/pay; throws PayerError. */
  pay(reference: string, outcome: PayOutcome): PayerView {
    return payOrder(this.ctx, reference, outcome);
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
      this.notifier.runDue();
    } catch (err) {
      this.ctx.log(`unionpay-sim: background tick failed: ${String(err)}`);
    }
  }

  private sleep(ms: number): Promise<void> {
    return abortableSleep(this.shutdown.signal, ms);
  }

  private buildPlugin(): FastifyPluginAsync {
    return async (app: FastifyInstance) => {
      const FORM = 'application/x-www-form-urlencoded';
      if (app.hasContentTypeParser(FORM)) app.removeContentTypeParser(FORM);
      app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: GATEWAY_BODY_LIMIT }, (_req, body, done) => {
        try {
          done(null, parseForm(String(body)));
        } catch (err) {
          done(err as Error, undefined);
        }
      });
      app.setErrorHandler((err: FastifyError, _req, reply) => {
        const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
        if (status === 500) this.ctx.log(`unionpay-sim: ${err.stack ?? err.message}`);
        return reply.code(status).send({ error: { code: status === 500 ? 'INTERNAL' : (err.code ?? 'INVALID_REQUEST'), message: status === 500 ? 'internal error' : err.message } });
      });
      app.addHook('preClose', (done) => {
        this.shutdown.abort();
        done();
      });
      registerGateway(app, this.ctx);
      registerPayerRoutes(app, this.ctx);
      registerAdminRoutes(app, {
        registerMerchant: (input) => this.registerMerchant(input),
        setFaults: (f) => this.setFaults(f),
        faults: () => this.faults,
      });
    };
  }
}
