import { pathToFileURL } from 'node:url';
import { StripeSimulator } from './simulator.js';
import { serveStandalone } from '../common/lifecycle.js';

export const STRIPE_SANDBOX_PREFIX = '/sandbox/stripe';

/**
 * Runs the simulator on its own server. Routes live under /sandbox/stripe and, because
 * stripe-node's base path is fixed at /v1, also at the root: new Stripe(key, {host, port,
 * protocol: 'http'}) works against it unchanged.
 */
export async function startStripeSimulator(opts: { port?: number; host?: string; dataDir?: string; timeScale?: number }): Promise<{ url: string; sim: StripeSimulator; close(): Promise<void> }> {
  return serveStandalone({
    port: opts.port, host: opts.host, prefix: STRIPE_SANDBOX_PREFIX, alsoAtRoot: true,
    make: (publicBaseUrl) => new StripeSimulator({ dataDir: opts.dataDir, timeScale: opts.timeScale, publicBaseUrl }),
  });
}

// `node dist/simulators/stripe/standalone.js` runs it directly (PORT, HOST, DATA_DIR).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url, sim } = await startStripeSimulator({ port: Number(process.env.PORT ?? 8091), host: process.env.HOST, dataDir: process.env.DATA_DIR ?? './data/sandbox' });
  const acct = sim.registerAccount();
  console.log(`Stripe simulator listening on ${url} (and ${url}${STRIPE_SANDBOX_PREFIX}); a test account: ${JSON.stringify(acct)}`);
}
