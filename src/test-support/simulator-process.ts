/** The Alipay simulator as its own process, standing apart like the real provider. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, poll, ROOT } from './ports.js';

/** The standalone Alipay simulator in its own process (dist/), standing apart like the real provider. */
export interface SimulatorProcess {
  url: string;
  pid: number | undefined;
  /** The account base_url: `${url}/sandbox/alipay`. */
  baseUrl: string;
  /** POST /_apps: a new merchant app; its keys are the provider account's credentials. */
  registerApp(): Promise<Record<string, string>>;
  setFaults(faults: Record<string, number | boolean>): Promise<void>;
  stop(): Promise<void>;
}

export async function startSimulatorProcess(): Promise<SimulatorProcess> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-alipay-sim-'));
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/simulators/alipay/standalone.js')], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir }, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const baseUrl = `${url}/sandbox/alipay`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const post = async (p: string, body: unknown) => {
    const r = await fetch(baseUrl + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`simulator ${p}: ${r.status} ${await r.text()}`);
    return (await r.json()) as Record<string, string>;
  };
  try {
    await poll(`Alipay simulator on :${port}`, 20_000, async () => ((await fetch(`${baseUrl}/_faults`)).ok ? true : undefined));
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, pid: child.pid, baseUrl, registerApp: () => post('/_apps', {}), setFaults: async (f) => void (await post('/_faults', f)), stop };
}
