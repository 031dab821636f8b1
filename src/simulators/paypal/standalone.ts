import Fastify from 'fastify';
import { pathToFileURL } from 'node:url';
import { PaypalSimulator } from './simulator.js';

export const PAYPAL_SANDBOX_PREFIX = '/sandbox/paypal';

/** Runs the simulator on its own fastify server; routes live under /sandbox/paypal. */
export async function startPaypalSimulator(opts: { port?: number; host?: string; dataDir?: string; timeScale?: number }): Promise<{ url: string; sim: PaypalSimulator; close(): Promise<void> }> {
  const host = opts.host ?? '127.0.0.1';
  let url = '';
  const sim = new PaypalSimulator({ dataDir: opts.dataDir, timeScale: opts.timeScale, publicBaseUrl: () => `${url}${PAYPAL_SANDBOX_PREFIX}` });
  const app = Fastify({ logger: false });
  try {
    await app.register(sim.plugin, { prefix: PAYPAL_SANDBOX_PREFIX });
    await app.listen({ port: opts.port ?? 0, host });
  } catch (err) {
    await sim.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url, sim,
    async close() {
      await app.close();
      await sim.close();
    },
  };
}

// `node dist/simulators/paypal/standalone.js` runs it directly (PORT, HOST, DATA_DIR).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url, sim } = await startPaypalSimulator({ port: Number(process.env.PORT ?? 8091), host: process.env.HOST, dataDir: process.env.DATA_DIR ?? './data/sandbox' });
  const app = sim.registerApp();
  console.log(`PayPal simulator listening on ${url}${PAYPAL_SANDBOX_PREFIX} (example app: ${JSON.stringify(app)})`);
}
