import { runIfMain, serveSimulator, type StandaloneOptions } from '../common/lifecycle.js';
import { PaypalSimulator } from './simulator.js';

export const PAYPAL_SANDBOX_PREFIX = '/sandbox/paypal';

/** Runs the simulator on its own fastify server; routes live under /sandbox/paypal. */
export function startPaypalSimulator(opts: StandaloneOptions = {}) {
  return serveSimulator(opts, { prefix: PAYPAL_SANDBOX_PREFIX, make: (o) => new PaypalSimulator(o) });
}

await runIfMain(import.meta.url, 8091, async (opts) => {
  const { url, sim } = await startPaypalSimulator(opts);
  return `PayPal simulator listening on ${url}${PAYPAL_SANDBOX_PREFIX} (example app: ${JSON.stringify(sim.registerApp())})`;
});
