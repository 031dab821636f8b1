/**
 * The provider simulators the embedded default mounts at /sandbox/<provider>, each with how
 * a sandbox provider account is made at it (the credentials its connector parses).
 */
import type { FastifyPluginAsync } from 'fastify';
import { STRIPE_EVENTS } from '../connectors/stripe/index.js';
import { AlipaySimulator } from '../simulators/alipay/index.js';
import { PaypalSimulator } from '../simulators/paypal/index.js';
import { StripeSimulator } from '../simulators/stripe/index.js';
import { UnionpaySimulator } from '../simulators/unionpay/index.js';
import { WechatpaySimulator } from '../simulators/wechatpay/index.js';
import type { SandboxSimulator, SimulatorOptions } from './types.js';

interface Simulator {
  plugin: FastifyPluginAsync;
  close(): Promise<void>;
}

type Provisioning = Pick<SandboxSimulator, 'newAccountCredentials' | 'afterAccountCreated'>;

/** A simulator built for the gateway's data dir, time scale and public URL, mounted at /sandbox/<provider>. */
function mounted<S extends Simulator>(
  provider: string,
  make: (opts: { dataDir: string; timeScale: number; publicBaseUrl: () => string }) => S,
  provisioning: (sim: S) => Provisioning,
): (o: SimulatorOptions) => SandboxSimulator {
  return (o) => {
    const sim = make({ dataDir: o.dataDir, timeScale: o.timeScale, publicBaseUrl: () => `${o.publicUrl()}/sandbox/${provider}` });
    return { provider, plugin: sim.plugin, ...provisioning(sim), close: () => sim.close() };
  };
}

export const SIMULATORS: ReadonlyArray<(o: SimulatorOptions) => SandboxSimulator> = [
  mounted('alipay', (opts) => new AlipaySimulator(opts), (sim) => ({
    newAccountCredentials: () => {
      const app = sim.registerApp();
      return { app_id: app.app_id, private_key: app.private_key, alipay_public_key: app.alipay_public_key };
    },
  })),
  // Public-key mode: the only mode WeChat Pay gives new merchants.
  mounted('wechatpay', (opts) => new WechatpaySimulator(opts), (sim) => ({ newAccountCredentials: () => ({ ...sim.registerMerchant() }) })),
  mounted('unionpay', (opts) => new UnionpaySimulator(opts), (sim) => ({ newAccountCredentials: () => ({ ...sim.registerMerchant() }) })),
  mounted('paypal', (opts) => new PaypalSimulator(opts), (sim) => ({
    newAccountCredentials: () => ({ ...sim.registerApp() }),
    // The webhook URL names the account id, known only now: point the app's webhook at it
    // (in process; PATCH /v1/notifications/webhooks/{id} does the same over HTTP).
    afterAccountCreated: (_accountId, notifyUrl, credentials) => sim.setWebhookUrl(String(credentials.webhook_id), notifyUrl),
  })),
  mounted('stripe', (opts) => new StripeSimulator(opts), (sim) => ({
    newAccountCredentials: () => {
      const a = sim.registerAccount();
      return { secret_key: a.secret_key, webhook_secret: a.webhook_secret };
    },
    // The webhook URL names the provider account, so it can be registered only now — as a
    // merchant does in the Stripe Dashboard after adding the account to Paygate.
    afterAccountCreated: (_accountId, notifyUrl, credentials) => sim.setWebhookUrl(String(credentials.secret_key), notifyUrl, STRIPE_EVENTS),
  })),
];
