import type { FastifyPluginAsync } from 'fastify';
import { formParser, SimulatorHost, type SimulatorOptions } from '../common/host.js';
import { addEndpoint, registerApi } from './api.js';
import { billControls } from './bill.js';
import type { SimContext } from './context.js';
import { newId, randomToken, sha256Hex } from './crypto.js';
import { expireDue, pay, type PayOutcome, type PayResult } from './ledger.js';
import { deliveryProtocol, Notifier } from './notifier.js';
import { JSON_BODY_LIMIT, registerPayerRoutes } from './payer.js';
import { Store } from './store.js';

/** dataDir, if set: state (accounts and their keys included) in <dataDir>/stripe-sim.sqlite. */
export type StripeSimulatorOptions = SimulatorOptions;

export interface RegisteredAccount {
  account_id: string;
  secret_key: string;
  /** Signing secret of the account's default webhook endpoint (its URL is set later: setWebhookUrl). */
  webhook_secret: string;
}

const badRequest = (message: string) => ({ error: { type: 'invalid_request_error', message } });

export class StripeSimulator extends SimulatorHost {
  /** Register with { prefix: '/sandbox/stripe' } (and/or '' to serve /v1 at the root). Encapsulated. */
  readonly plugin: FastifyPluginAsync;
  private readonly store: Store;
  private readonly ctx: SimContext;

  constructor(opts: StripeSimulatorOptions) {
    super('stripe-sim', opts);
    const now = () => this.now();
    this.store = new Store(opts.dataDir);
    const outbox = this.outbox(this.store.deliveries, deliveryProtocol(this.store, now));
    this.closeWith(outbox, this.store);
    this.ctx = { ...this.hostContext(), store: this.store, notifier: new Notifier(this.store, outbox, now) };
    this.startTicking(() => {
      expireDue(this.ctx);
      outbox.runDue();
    });
    this.plugin = this.buildPlugin();
  }

  /** A new sandbox account: its secret key and the signing secret of its default webhook endpoint. */
  registerAccount(): RegisteredAccount {
    const secretKey = `sk_test_${randomToken(99)}`;
    const account = { id: newId('acct', 16), key_hash: sha256Hex(secretKey), secret_key: secretKey, webhook_secret: `whsec_${randomToken(32)}`, created: Date.now() };
    this.store.insertAccount(account);
    return { account_id: account.id, secret_key: secretKey, webhook_secret: account.webhook_secret };
  }

  /**
   * Points the account's default endpoint (signed with the webhook_secret registerAccount
   * returned) at `url` — the gateway's /notify/stripe/{provider_account_id}, which exists only
   * after the provider account does. Same effect as POST /v1/webhook_endpoints, minus a new secret.
   */
  setWebhookUrl(secretKey: string, url: string, events: readonly string[]): void {
    const account = this.store.accountByKeyHash(sha256Hex(secretKey));
    if (!account) throw new Error('unknown secret key');
    for (const e of this.store.endpoints(account.id)) if (e.secret === account.webhook_secret) this.store.deleteEndpoint(account.id, e.id);
    addEndpoint(this.ctx, account.id, url, [...events], account.webhook_secret);
  }

  /** Same as POST /_payer/pay. Throws an ApiError for what the page would refuse. */
  pay(reference: string, outcome: PayOutcome): PayResult {
    return pay(this.ctx, reference, outcome);
  }

  private buildPlugin(): FastifyPluginAsync {
    const errorBody = (err: { message: string }, internal: boolean) =>
      ({ error: { type: internal ? 'api_error' : 'invalid_request_error', message: internal ? 'internal error' : err.message } });
    return this.hostPlugin(errorBody, (app) => {
      // Kept as text: the idempotency fingerprint covers the raw body, and Stripe's bracketed keys need their own parser.
      formParser(app, 256 * 1024);
      registerApi(app, this.ctx);
      // Sandbox-only: /_bills/* shape what GET /v1/balance_transactions lists for a day.
      billControls(this.ctx).register(app);
      registerPayerRoutes(app, this.ctx);
      this.faultsRoutes(app, { badRequest, bodyLimit: JSON_BODY_LIMIT });
      // Sandbox-only: a fresh account for standalone use (the gateway calls registerAccount directly).
      app.post('/_accounts', async () => this.registerAccount());
      // Sandbox-only, the HTTP form of setWebhookUrl: `paygate merchant create --sandbox
      // --simulators-url` points the default endpoint at the new account's notify URL, which
      // exists only after the gateway account does (POST /v1/webhook_endpoints would mint a new secret).
      app.post('/_accounts/webhook', { bodyLimit: JSON_BODY_LIMIT }, async (req, reply) => {
        const b = (req.body ?? {}) as { secret_key?: unknown; url?: unknown; enabled_events?: unknown };
        const events = Array.isArray(b.enabled_events) && b.enabled_events.length > 0 && b.enabled_events.every((e) => typeof e === 'string') ? b.enabled_events as string[] : undefined;
        if (typeof b.secret_key !== 'string' || typeof b.url !== 'string' || !/^https?:\/\//.test(b.url) || !events) {
          return reply.code(400).send(badRequest('send {"secret_key":"sk_test_…","url":"http(s)://…","enabled_events":["checkout.session.completed",…]}'));
        }
        try {
          this.setWebhookUrl(b.secret_key, b.url, events);
        } catch {
          return reply.code(401).send(badRequest('unknown secret key'));
        }
        return { url: b.url, enabled_events: events };
      });
    });
  }
}
