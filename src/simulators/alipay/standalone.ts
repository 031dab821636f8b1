import { pathToFileURL } from 'node:url';
import { AlipaySimulator } from './simulator.js';
import { serveStandalone } from '../common/lifecycle.js';

export const ALIPAY_SANDBOX_PREFIX = '/sandbox/alipay';

/** Runs the simulator on its own fastify server; routes live under /sandbox/alipay. */
export async function startAlipaySimulator(opts: { port?: number; host?: string; dataDir?: string; timeScale?: number }): Promise<{ url: string; sim: AlipaySimulator; close(): Promise<void> }> {
  return serveStandalone({
    port: opts.port, host: opts.host, prefix: ALIPAY_SANDBOX_PREFIX,
    make: (publicBaseUrl) => new AlipaySimulator({ dataDir: opts.dataDir, timeScale: opts.timeScale, publicBaseUrl }),
  });
}

// `node dist/simulators/alipay/standalone.js` runs it directly (PORT, HOST, DATA_DIR).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url } = await startAlipaySimulator({
    port: Number(process.env.PORT ?? 8090),
    host: process.env.HOST,
    dataDir: process.env.DATA_DIR ?? './data/sandbox',
  });
  console.log(`Alipay simulator listening on ${url}${ALIPAY_SANDBOX_PREFIX}/gateway.do`);
}
