import { UnionpaySimulator } from '../simulators/unionpay/index.js';
import type { SandboxSimulator, SimulatorOptions } from './types.js';

export function unionpaySandbox(o: SimulatorOptions): SandboxSimulator {
  const sim = new UnionpaySimulator({ dataDir: o.dataDir, timeScale: o.timeScale, publicBaseUrl: () => `${o.publicUrl()}/sandbox/unionpay` });
  return {
    provider: 'unionpay',
    plugin: sim.plugin,
    newAccountCredentials: () => ({ ...sim.registerMerchant() }),
    close: () => sim.close(),
  };
}
