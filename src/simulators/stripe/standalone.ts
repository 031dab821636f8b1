import { runIfMain, serveSimulator, type StandaloneOptions } from '../common/lifecycle.js';
import { StripeSimulator } from './simulator.js';

export const STRIPE_SANDBOX_PREFIX = '/sandbox/stripe';

/**
 * Runs the simulator on its own server. Routes live under /sandbox/stripe and, because
 * stripe-node's base path is fixed at /v1, also at the root: new Stripe(key, {host, port,
 * protocol: 'http'}) works against it unchanged.
 */
export function startStripeSimulator(opts: StandaloneOptions = {}) {
  return serveSimulator(opts, { prefix: STRIPE_SANDBOX_PREFIX, alsoAtRoot: true, make: (o) => new StripeSimulator(o) });
}

await runIfMain(import.meta.url, 8091, async (opts) => {
  const { url, sim } = await startStripeSimulator(opts);
  return `Stripe simulator listening on ${url} (and ${url}${STRIPE_SANDBOX_PREFIX}); a test account: ${JSON.stringify(sim.registerAccount())}`;
});
