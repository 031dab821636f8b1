import { AlipaySimulator } from '../simulators/alipay/index.js';
import type { SandboxSimulator, SimulatorOptions } from './types.js';

export function alipaySandbox(o: SimulatorOptions): SandboxSimulator {
  const sim = new AlipaySimulator({ dataDir: o.dataDir, timeScale: o.timeScale, publicBaseUrl: () => `${o.publicUrl()}/sandbox/alipay` });
  return {
    provider: 'alipay',
    plugin: sim.plugin,
    newAccountCredentials: () => {
      const app = sim.registerApp();
      return { app_id: app.app_id, private_key: app.private_key, alipay_public_key: app.alipay_public_key };
    },
    close: () => sim.close(),
  };
}
