import { WechatpaySimulator } from '../simulators/wechatpay/index.js';
import type { SandboxSimulator, SimulatorOptions } from './types.js';

export function wechatpaySandbox(o: SimulatorOptions): SandboxSimulator {
  const sim = new WechatpaySimulator({ dataDir: o.dataDir, timeScale: o.timeScale, publicBaseUrl: () => `${o.publicUrl()}/sandbox/wechatpay` });
  return {
    provider: 'wechatpay',
    plugin: sim.plugin,
    // Public-key mode: the only mode WeChat Pay gives new merchants.
    newAccountCredentials: () => ({ ...sim.registerMerchant() }),
    close: () => sim.close(),
  };
}
