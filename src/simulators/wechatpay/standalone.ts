import Fastify from 'fastify';
import { pathToFileURL } from 'node:url';
import { WechatpaySimulator } from './simulator.js';

export const WECHATPAY_SANDBOX_PREFIX = '/sandbox/wechatpay';

/** Runs the simulator on its own fastify server; routes live under /sandbox/wechatpay. */
export async function startWechatpaySimulator(opts: { port?: number; host?: string; dataDir?: string; timeScale?: number }): Promise<{ url: string; sim: WechatpaySimulator; close(): Promise<void> }> {
  const host = opts.host ?? '127.0.0.1';
  let url = '';
  const sim = new WechatpaySimulator({ dataDir: opts.dataDir, timeScale: opts.timeScale, publicBaseUrl: () => `${url}${WECHATPAY_SANDBOX_PREFIX}` });
  const app = Fastify({ logger: false });
  try {
    await app.register(sim.plugin, { prefix: WECHATPAY_SANDBOX_PREFIX });
    await app.listen({ port: opts.port ?? 0, host });
  } catch (err) {
    await sim.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    sim,
    async close() {
      await app.close();
      await sim.close();
    },
  };
}

// `node dist/simulators/wechatpay/standalone.js` runs it directly (PORT, HOST, DATA_DIR).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url } = await startWechatpaySimulator({ port: Number(process.env.PORT ?? 8091), host: process.env.HOST, dataDir: process.env.DATA_DIR ?? './data/sandbox' });
  console.log(`WeChat Pay simulator listening on ${url}${WECHATPAY_SANDBOX_PREFIX}/v3/...`);
}
