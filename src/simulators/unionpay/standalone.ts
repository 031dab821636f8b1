import { runIfMain, serveSimulator, type StandaloneOptions } from '../common/lifecycle.js';
import { UnionpaySimulator } from './simulator.js';

export const UNIONPAY_SANDBOX_PREFIX = '/sandbox/unionpay';

/** Runs the simulator on its own fastify server; routes live under /sandbox/unionpay. */
export function startUnionpaySimulator(opts: StandaloneOptions = {}) {
  return serveSimulator(opts, { prefix: UNIONPAY_SANDBOX_PREFIX, make: (o) => new UnionpaySimulator(o) });
}

await runIfMain(import.meta.url, 8092, async (opts) => {
  const { url } = await startUnionpaySimulator(opts);
  return `UnionPay simulator listening on ${url}${UNIONPAY_SANDBOX_PREFIX}/gateway/api/backTransReq.do`;
});
