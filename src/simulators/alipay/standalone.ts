import Fastify from 'fastify';
import { pathToFileURL } from 'node:url';
import { AlipaySimulator } from './simulator.js';

export const ALIPAY_SANDBOX_PREFIX = '/sandbox/alipay';

/** Runs the simulator on its own fastify server; routes live under /sandbox/alipay. */
export async function startAlipaySimulator(opts: {
  port?: number;
  host?: string;
  dataDir?: string;
  timeScale?: number;
}): Promise<{ url: string; sim: AlipaySimulator; close(): Promise<void> }> {
  const host = opts.host ?? '127.0.0.1';
  let url = '';
  const sim = new AlipaySimulator({
    dataDir: opts.dataDir,
    timeScale: opts.timeScale,
    publicBaseUrl: () => `${url}${ALIPAY_SANDBOX_PREFIX}`,
  });
  const app = Fastify({ logger: false });
  try {
    await app.register(sim.plugin, { prefix: ALIPAY_SANDBOX_PREFIX });
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

// `node dist/simulators/alipay/standalone.js` runs it directly (PORT, HOST, DATA_DIR).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url } = await startAlipaySimulator({
    port: Number(process.env.PORT ?? 8090),
    host: process.env.HOST,
    dataDir: process.env.DATA_DIR ?? './data/sandbox',
  });
  console.log(`Alipay simulator listening on ${url}${ALIPAY_SANDBOX_PREFIX}/gateway.do`);
}
