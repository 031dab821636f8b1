import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify';
import { addEndpoint, registerApi } from './api.js';
import type { SimContext } from './context.js';
import { newId, randomToken, sha256Hex } from './crypto.js';
import { DEFAULT_FAULTS, FaultsInputError, parseFaultsPatch, type Faults } from '../common/faults.js';
import { expireDue, pay, type PayOutcome, type PayResult } from './ledger.js';
import { Notifier } from './notifier.js';
import { JSON_BODY_LIMIT, registerPayerRoutes } from './payer.js';
import { Store } from './store.js';
import { abortableSleep } from '../common/lifecycle.js';

export interface StripeSimulatorOptions {
  /** If set: state (accounts and their keys included) in <dataDir>/stripe-sim.sqlite; unset: in memory. */
  dataDir?: string;
  /** Multiplies webhook retry delays (1 = Stripe's real schedule). */
  timeScale?: number;
  /** e.g. "http://127.0.0.1:8080/sandbox/stripe"; known only after listen, hence a function. */
  publicBaseUrl: () => string;
  log?: (message: string) => void;
}

export interface RegisteredAccount {
  account_id: string;
  secret_key: string;
  /** Signing secret of the account's default webhook endpoint (its URL is set later: setWebhookUrl). */
  webhook_secret: string;
}

const FORM = 'application/x-www-form-urlencoded';

export class StripeSimulator {
  /** Register with { prefix: '/sandbox/stripe' } (and/or '' to serve /v1 at the root). Encapsulated. */
  readonly plugin: FastifyPluginAsync;
  private readonly store: Store;
  private readonly notifier: Notifier;
  private readonly ctx: SimContext;
  private readonly ticker: NodeJS.Timeout;
  private readonly shutdown = new AbortController();
  private currentFaults: Faults = { ...DEFAULT_FAULTS };
  private closed = false;

  constructor(opts: StripeSimulatorOptions) {
    const timeScale = opts.timeScale ?? 1;
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new RangeError('timeScale must be a positive number');
    const log = opts.log ?? ((m: string) => console.error(m));
    const now = () => Date.now();
    this.store = new Store(opts.dataDir);
    this.notifier = new Notifier({ store: this.store, faults: () => this.currentFaults, timeScale, now, log });
    this.ctx = {
      store: this.store, notifier: this.notifier, faults: () => this.currentFaults,
      publicBaseUrl: () => opts.publicBaseUrl().replace(/\/+$/, ''), now, sleep: (ms) => this.sleep(ms), random: Math.random, log,
    };
    const tickMs = Math.min(1000, Math.max(25, Math.round(1000 * timeScale)));
    this.ticker = setInterval(() => this.tick(), tickMs);
    this.ticker.unref();
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

  setFaults(f: Partial<Faults>): void {
    this.currentFaults = { ...this.currentFaults, ...parseFaultsPatch(f) };
  }

  get faults(): Faults {
    return { ...this.currentFaults };
  }

  /** Same as POST /_payer/pay. Throws an ApiError for what the page would refuse. */
  pay(reference: string, outcome: PayOutcome): PayResult {
    return pay(this.ctx, reference, outcome);
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
      expireDue(this.ctx);
      this.notifier.runDue();
    } catch (err) {
      this.ctx.log(`stripe-sim: background tick failed: ${String(err)}`);
    }
  }

  private sleep(ms: number): Promise<void> {
    return abortableSleep(this.shutdown.signal, ms);
  }

  private buildPlugin(): FastifyPluginAsync {
    return async (app: FastifyInstance) => {
      // Kept as text: the idempotency fingerprint covers the raw body, and Stripe's bracketed keys need their own parser.
      if (app.hasContentTypeParser(FORM)) app.removeContentTypeParser(FORM);
      app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));
      app.setErrorHandler((err: FastifyError, _req, reply) => {
        const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
        if (status === 500) this.ctx.log(`stripe-sim: ${err.stack ?? err.message}`);
        return reply.code(status).send({ error: { type: status === 500 ? 'api_error' : 'invalid_request_error', message: status === 500 ? 'internal error' : err.message } });
      });
      app.addHook('preClose', (done) => {
        this.shutdown.abort();
        done();
      });
      registerApi(app, this.ctx);
      registerPayerRoutes(app, this.ctx);
      app.get('/_faults', async () => this.faults);
      app.post('/_faults', { bodyLimit: JSON_BODY_LIMIT }, async (req, reply) => {
        try {
          this.setFaults(parseFaultsPatch(req.body));
          return this.faults;
        } catch (err) {
          if (err instanceof FaultsInputError) return reply.code(400).send({ error: { type: 'invalid_request_error', message: err.message } });
          throw err;
        }
      });
      // Sandbox-only: a fresh account for standalone use (the gateway calls registerAccount directly).
      app.post('/_accounts', async () => this.registerAccount());
      // Sandbox-only, the HTTP form of setWebhookUrl: `paygate merchant create --sandbox
      // --simulators-url` points the default endpoint at the new account's notify URL, which
      // exists only after the gateway account does (POST /v1/webhook_endpoints would mint a new secret).
      app.post('/_accounts/webhook', { bodyLimit: JSON_BODY_LIMIT }, async (req, reply) => {
        const b = (req.body ?? {}) as { secret_key?: unknown; url?: unknown; enabled_events?: unknown };
        const events = Array.isArray(b.enabled_events) && b.enabled_events.length > 0 && b.enabled_events.every((e) => typeof e === 'string') ? b.enabled_events as string[] : undefined;
        if (typeof b.secret_key !== 'string' || typeof b.url !== 'string' || !/^https?:\/\//.test(b.url) || !events) {
          return reply.code(400).send({ error: { type: 'invalid_request_error', message: 'send {"secret_key":"sk_test_…","url":"http(s)://…","enabled_events":["checkout.session.completed",…]}' } });
        }
        try {
          this.setWebhookUrl(b.secret_key, b.url, events);
        } catch {
          return reply.code(401).send({ error: { type: 'invalid_request_error', message: 'unknown secret key' } });
        }
        return { url: b.url, enabled_events: events };
      });
    };
  }
}
