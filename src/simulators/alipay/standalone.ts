import { runIfMain, serveSimulator, type StandaloneOptions } from '../common/lifecycle.js';
import { AlipaySimulator } from './simulator.js';

export const ALIPAY_SANDBOX_PREFIX = '/sandbox/alipay';

/** Runs the simulator on its own fastify server; routes live under /sandbox/alipay. */
export function startAlipaySimulator(opts: StandaloneOptions = {}) {
  return serveSimulator(opts, { prefix: ALIPAY_SANDBOX_PREFIX, make: (o) => new AlipaySimulator(o) });
}

await runIfMain(import.meta.url, 8090, async (opts) => {
  const { url } = await startAlipaySimulator(opts);
  return `Alipay simulator listening on ${url}${ALIPAY_SANDBOX_PREFIX}/gateway.do`;
});
