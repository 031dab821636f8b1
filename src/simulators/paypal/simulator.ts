import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify';
import { registerApi } from './api.js';
import { registerDashboard } from './dashboard.js';
import type { SimContext, SimStats } from './context.js';
import { DEFAULT_FAULTS, FaultsInputError, parseFaultsPatch, type Faults } from '../common/faults.js';
import { newClientId, newSecret, newWebhookId } from './format.js';
import { loadOrCreateKeys, type SigningKeys } from './keys.js';
import { Notifier, RETRY_DELAYS_MS } from './notifier.js';
import { decide, registerPayerRoutes, type PayOutcome } from './payer.js';
import { orderView } from './resources.js';
import { Store } from './store.js';
import { abortableSleep } from '../common/lifecycle.js';

export interface PaypalSimulatorOptions {
  /** If set: keys in <dataDir>/paypal-keys.json, state in <dataDir>/paypal-sim.sqlite; unset: in memory. */
  dataDir?: string | undefined;
  /** Multiplies webhook retry delays (1 = PayPal's schedule). */
  timeScale?: number | undefined;
  /** e.g. "http://127.0.0.1:8080/sandbox/paypal"; known only after listen. */
  publicBaseUrl: () => string;
  /** Access-token lifetime; PayPal issues 32400 s. */
  tokenTtlSeconds?: number | undefined;
  log?: (message: string) => void;
}

export interface RegisteredPaypalApp { client_id: string; client_secret: string; webhook_id: string }

export const WEBHOOK_EVENTS = [
  'CHECKOUT.ORDER.APPROVED', 'PAYMENT.CAPTURE.COMPLETED', 'PAYMENT.CAPTURE.DENIED', 'PAYMENT.CAPTURE.REFUNDED', 'PAYMENT.CAPTURE.REVERSED',
  'CUSTOMER.DISPUTE.CREATED', 'CUSTOMER.DISPUTE.UPDATED', 'CUSTOMER.DISPUTE.RESOLVED',
];

export class PaypalSimulator {
  /** Register with { prefix: '/sandbox/paypal' }. Encapsulated: its parsers stay inside. */
  readonly plugin: FastifyPluginAsync;
  readonly keys: SigningKeys;
  readonly stats: SimStats = { captureRequests: new Map(), alreadyCaptured: new Map() };
  private readonly store: Store;
  private readonly notifier: Notifier;
  private readonly ctx: SimContext;
  private readonly ticker: NodeJS.Timeout;
  private readonly shutdown = new AbortController();
  private currentFaults: Faults = { ...DEFAULT_FAULTS };
  private closed = false;

  constructor(opts: PaypalSimulatorOptions) {
    const timeScale = opts.timeScale ?? 1;
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new RangeError('timeScale must be a positive number');
    const log = opts.log ?? ((m: string) => console.error(m));
    const base = () => opts.publicBaseUrl().replace(/\/+$/, '');
    this.keys = loadOrCreateKeys(opts.dataDir);
    this.store = new Store(opts.dataDir);
    this.notifier = new Notifier({ store: this.store, keys: this.keys, faults: () => this.currentFaults, timeScale, now: Date.now, certUrl: () => `${base()}/certs/${this.keys.certId}.pem`, log });
    this.ctx = {
      store: this.store, notifier: this.notifier, keys: this.keys, stats: this.stats, faults: () => this.currentFaults, publicBaseUrl: base,
      now: Date.now, tokenTtlSeconds: opts.tokenTtlSeconds ?? 32400, sleep: (ms) => this.sleep(ms), random: Math.random, log,
    };
    const tickMs = Math.min(1000, Math.max(25, Math.round((RETRY_DELAYS_MS[0] ?? 60_000) * timeScale)));
    this.ticker = setInterval(() => this.notifier.runDue(), tickMs);
    this.ticker.unref();
    this.plugin = this.buildPlugin();
  }

  /** A REST app with a webhook id (no URL yet: set it with setWebhookUrl or the webhooks API). */
  registerApp(): RegisteredPaypalApp {
    const app = { client_id: newClientId(), client_secret: newSecret(), webhook_id: newWebhookId(), created_at: Date.now() };
    this.store.transaction(() => {
      this.store.insertApp(app);
      this.store.upsertWebhook({ id: app.webhook_id, client_id: app.client_id, url: null, event_types: JSON.stringify(WEBHOOK_EVENTS), created_at: app.created_at });
    });
    return { client_id: app.client_id, client_secret: app.client_secret, webhook_id: app.webhook_id };
  }

  /** Same effect as PATCH /v1/notifications/webhooks/{id} replacing /url. */
  setWebhookUrl(webhookId: string, url: string): void {
    const w = this.store.getWebhook(webhookId);
    if (!w) throw new Error(`no webhook ${webhookId}`);
    this.store.upsertWebhook({ ...w, url });
  }

  setFaults(f: Partial<Faults>): void {
    this.currentFaults = { ...this.currentFaults, ...parseFaultsPatch(f) };
  }

  get faults(): Faults {
    return { ...this.currentFaults };
  }

  /** Every issued access token stops working (PayPal revoking tokens early): callers must refresh on 401. */
  revokeTokens(): void {
    this.store.revokeTokens();
  }

  /** Same as POST /_payer/pay. */
  pay(reference: string, outcome: PayOutcome) {
    return decide(this.ctx, reference, outcome);
  }

  /** Webhook deliveries of one event type (tests). */
  deliveries(eventType: string) {
    return this.store.deliveriesOf(eventType);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ticker);
    this.shutdown.abort();
    await this.notifier.close();
    this.store.close();
  }

  private sleep(ms: number): Promise<void> {
    return abortableSleep(this.shutdown.signal, ms);
  }

  private buildPlugin(): FastifyPluginAsync {
    return async (app: FastifyInstance) => {
      const FORM = 'application/x-www-form-urlencoded';
      if (app.hasContentTypeParser(FORM)) app.removeContentTypeParser(FORM);
      app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => done(null, body));
      app.setErrorHandler((err: FastifyError, _req, reply) => {
        const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
        if (status === 500) this.ctx.log(`paypal-sim: ${err.stack ?? err.message}`);
        return reply.code(status).send({ name: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'INVALID_REQUEST', message: status === 500 ? 'internal error' : err.message });
      });
      app.addHook('preClose', (done) => {
        this.shutdown.abort();
        done();
      });
      registerApi(app, this.ctx);
      registerPayerRoutes(app, this.ctx);
      registerDashboard(app, this.ctx);
      app.get('/_faults', async () => this.faults);
      app.post('/_faults', async (req, reply) => {
        try {
          this.setFaults(parseFaultsPatch(req.body));
          return this.faults;
        } catch (err) {
          if (err instanceof FaultsInputError) return reply.code(400).send({ error: { code: 'INVALID_FAULTS', message: err.message } });
          throw err;
        }
      });
      app.post('/_admin/apps', async () => this.registerApp());
      // Test introspection: the order as the API shows it plus how often capture was asked for.
      app.get<{ Params: { id: string } }>('/_admin/orders/:id', async (req, reply) => {
        const o = this.store.getOrder(req.params.id);
        if (!o) return reply.code(404).send({ error: { code: 'ORDER_NOT_FOUND', message: 'no such order' } });
        return { order: orderView(this.ctx, o), capture_requests: this.stats.captureRequests.get(o.id) ?? 0, already_captured: this.stats.alreadyCaptured.get(o.id) ?? 0, captures: this.store.capturesOf(o.id).length };
      });
      app.post('/_admin/revoke_tokens', async () => {
        this.revokeTokens();
        return { revoked: true };
      });
    };
  }
}
