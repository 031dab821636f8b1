import { pathToFileURL } from 'node:url';
import { WechatpaySimulator } from './simulator.js';
import { serveStandalone } from '../common/lifecycle.js';

export const WECHATPAY_SANDBOX_PREFIX = '/sandbox/wechatpay';

/** Runs the simulator on its own fastify server; routes live under /sandbox/wechatpay. */
export async function startWechatpaySimulator(opts: { port?: number; host?: string; dataDir?: string; timeScale?: number }): Promise<{ url: string; sim: WechatpaySimulator; close(): Promise<void> }> {
  return serveStandalone({
    port: opts.port, host: opts.host, prefix: WECHATPAY_SANDBOX_PREFIX,
    make: (publicBaseUrl) => new WechatpaySimulator({ dataDir: opts.dataDir, timeScale: opts.timeScale, publicBaseUrl }),
  });
}

// `node dist/simulators/wechatpay/standalone.js` runs it directly (PORT, HOST, DATA_DIR).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url } = await startWechatpaySimulator({ port: Number(process.env.PORT ?? 8091), host: process.env.HOST, dataDir: process.env.DATA_DIR ?? './data/sandbox' });
  console.log(`WeChat Pay simulator listening on ${url}${WECHATPAY_SANDBOX_PREFIX}/v3/...`);
}
