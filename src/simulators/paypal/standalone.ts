import { pathToFileURL } from 'node:url';
import { PaypalSimulator } from './simulator.js';
import { serveStandalone } from '../common/lifecycle.js';

export const PAYPAL_SANDBOX_PREFIX = '/sandbox/paypal';

/** Runs the simulator on its own fastify server; routes live under /sandbox/paypal. */
export async function startPaypalSimulator(opts: { port?: number; host?: string; dataDir?: string; timeScale?: number }): Promise<{ url: string; sim: PaypalSimulator; close(): Promise<void> }> {
  return serveStandalone({
    port: opts.port, host: opts.host, prefix: PAYPAL_SANDBOX_PREFIX,
    make: (publicBaseUrl) => new PaypalSimulator({ dataDir: opts.dataDir, timeScale: opts.timeScale, publicBaseUrl }),
  });
}

// `node dist/simulators/paypal/standalone.js` runs it directly (PORT, HOST, DATA_DIR).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url, sim } = await startPaypalSimulator({ port: Number(process.env.PORT ?? 8091), host: process.env.HOST, dataDir: process.env.DATA_DIR ?? './data/sandbox' });
  const app = sim.registerApp();
  console.log(`PayPal simulator listening on ${url}${PAYPAL_SANDBOX_PREFIX} (example app: ${JSON.stringify(app)})`);
}
