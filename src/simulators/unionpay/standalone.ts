import { pathToFileURL } from 'node:url';
import { UnionpaySimulator } from './simulator.js';
import { serveStandalone } from '../common/lifecycle.js';

export const UNIONPAY_SANDBOX_PREFIX = '/sandbox/unionpay';

/** Runs the simulator on its own fastify server; routes live under /sandbox/unionpay. */
export async function startUnionpaySimulator(opts: { port?: number; host?: string; dataDir?: string; timeScale?: number }): Promise<{ url: string; sim: UnionpaySimulator; close(): Promise<void> }> {
  return serveStandalone({
    port: opts.port, host: opts.host, prefix: UNIONPAY_SANDBOX_PREFIX,
    make: (publicBaseUrl) => new UnionpaySimulator({ dataDir: opts.dataDir, timeScale: opts.timeScale, publicBaseUrl }),
  });
}

// `node dist/simulators/unionpay/standalone.js` runs it directly (PORT, HOST, DATA_DIR).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url } = await startUnionpaySimulator({ port: Number(process.env.PORT ?? 8092), host: process.env.HOST, dataDir: process.env.DATA_DIR ?? './data/sandbox' });
  console.log(`UnionPay simulator listening on ${url}${UNIONPAY_SANDBOX_PREFIX}/gateway/api/backTransReq.do`);
}
