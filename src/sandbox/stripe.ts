import { STRIPE_EVENTS } from '../connectors/stripe/index.js';
import { StripeSimulator } from '../simulators/stripe/index.js';
import type { SandboxSimulator, SimulatorOptions } from './types.js';

export function stripeSandbox(o: SimulatorOptions): SandboxSimulator {
  const sim = new StripeSimulator({ dataDir: o.dataDir, timeScale: o.timeScale, publicBaseUrl: () => `${o.publicUrl()}/sandbox/stripe` });
  return {
    provider: 'stripe',
    plugin: sim.plugin,
    newAccountCredentials: () => {
      const a = sim.registerAccount();
      return { secret_key: a.secret_key, webhook_secret: a.webhook_secret };
    },
    // The webhook URL names the provider account, so it can be registered only now — as a
    // merchant does in the Stripe Dashboard after adding the account to Paygate.
    afterAccountCreated: (_accountId, notifyUrl, credentials) => sim.setWebhookUrl(String(credentials.secret_key), notifyUrl, STRIPE_EVENTS),
    close: () => sim.close(),
  };
}
