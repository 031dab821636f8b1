import type { FastifyPluginAsync } from 'fastify';
import { BillControls } from '../common/bill-controls.js';
import { formParser, SimulatorHost, type SimulatorOptions } from '../common/host.js';
import { registerApi } from './api.js';
import { registerDashboard } from './dashboard.js';
import type { SimContext, SimStats } from './context.js';
import { newClientId, newSecret, newWebhookId } from './format.js';
import { loadOrCreateKeys, type SigningKeys } from './keys.js';
import { deliveryProtocol, Notifier, RETRY_DELAYS_MS } from './notifier.js';
import { decide, registerPayerRoutes, type PayOutcome } from './payer.js';
import { orderView } from './resources.js';
import { DEFAULT_MAX_RESULTS, registerBillControls } from './search.js';
import { Store } from './store.js';

/** dataDir, if set: keys in <dataDir>/paypal-keys.json, state in <dataDir>/paypal-sim.sqlite. */
export interface PaypalSimulatorOptions extends SimulatorOptions {
  /** Access-token lifetime; PayPal issues 32400 s. */
  tokenTtlSeconds?: number | undefined;
}

export interface RegisteredPaypalApp { client_id: string; client_secret: string; webhook_id: string }

export const WEBHOOK_EVENTS = [
  'CHECKOUT.ORDER.APPROVED', 'PAYMENT.CAPTURE.COMPLETED', 'PAYMENT.CAPTURE.DENIED', 'PAYMENT.CAPTURE.REFUNDED', 'PAYMENT.CAPTURE.REVERSED',
  'CUSTOMER.DISPUTE.CREATED', 'CUSTOMER.DISPUTE.UPDATED', 'CUSTOMER.DISPUTE.RESOLVED',
];

export class PaypalSimulator extends SimulatorHost {
  /** Register with { prefix: '/sandbox/paypal' }. Encapsulated: its parsers stay inside. */
  readonly plugin: FastifyPluginAsync;
  readonly keys: SigningKeys;
  readonly stats: SimStats = { captureRequests: new Map(), alreadyCaptured: new Map() };
  private readonly store: Store;
  private readonly ctx: SimContext;

  constructor(opts: PaypalSimulatorOptions) {
    super('paypal-sim', opts);
    const now = () => this.now();
    const host = this.hostContext();
    this.keys = loadOrCreateKeys(opts.dataDir);
    this.store = new Store(opts.dataDir);
    const outbox = this.outbox(this.store.deliveries, deliveryProtocol(this.keys, () => `${host.publicBaseUrl()}/certs/${this.keys.certId}.pem`, now));
    this.closeWith(outbox, this.store);
    this.ctx = {
      ...host, store: this.store, notifier: new Notifier(this.store, outbox, now), keys: this.keys, stats: this.stats, tokenTtlSeconds: opts.tokenTtlSeconds ?? 32400,
      bills: new BillControls(), searchMaxResults: DEFAULT_MAX_RESULTS,
    };
    // Nothing but webhooks runs in the background: the tick follows the first retry gap.
    this.startTicking(() => outbox.runDue(), RETRY_DELAYS_MS[0]);
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

  private buildPlugin(): FastifyPluginAsync {
    const errorBody = (err: { message: string }, internal: boolean) =>
      ({ name: internal ? 'INTERNAL_SERVER_ERROR' : 'INVALID_REQUEST', message: internal ? 'internal error' : err.message });
    return this.hostPlugin(errorBody, (app) => {
      formParser(app, 16 * 1024);
      registerApi(app, this.ctx);
      registerPayerRoutes(app, this.ctx);
      registerDashboard(app, this.ctx);
      registerBillControls(app, this.ctx);
      this.faultsRoutes(app, { badRequest: (message) => ({ error: { code: 'INVALID_FAULTS', message } }) });
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
    });
  }
}
