import { PaypalSimulator } from '../simulators/paypal/index.js';
import type { SandboxSimulator, SimulatorOptions } from './types.js';

export function paypalSandbox(o: SimulatorOptions): SandboxSimulator {
  const sim = new PaypalSimulator({ dataDir: o.dataDir, timeScale: o.timeScale, publicBaseUrl: () => `${o.publicUrl()}/sandbox/paypal` });
  return {
    provider: 'paypal',
    plugin: sim.plugin,
    newAccountCredentials: () => ({ ...sim.registerApp() }),
    // The webhook URL names the account id, known only now: point the app's webhook at it
    // (in process; PATCH /v1/notifications/webhooks/{id} does the same over HTTP).
    afterAccountCreated: (_accountId, notifyUrl, credentials) => sim.setWebhookUrl(String(credentials.webhook_id), notifyUrl),
    close: () => sim.close(),
  };
}
