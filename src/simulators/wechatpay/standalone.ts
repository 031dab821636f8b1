import { runIfMain, serveSimulator, type StandaloneOptions } from '../common/lifecycle.js';
import { WechatpaySimulator } from './simulator.js';

export const WECHATPAY_SANDBOX_PREFIX = '/sandbox/wechatpay';

/** Runs the simulator on its own fastify server; routes live under /sandbox/wechatpay. */
export function startWechatpaySimulator(opts: StandaloneOptions = {}) {
  return serveSimulator(opts, { prefix: WECHATPAY_SANDBOX_PREFIX, make: (o) => new WechatpaySimulator(o) });
}

await runIfMain(import.meta.url, 8091, async (opts) => {
  const { url } = await startWechatpaySimulator(opts);
  return `WeChat Pay simulator listening on ${url}${WECHATPAY_SANDBOX_PREFIX}/v3/...`;
});
