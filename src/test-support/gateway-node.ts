/**
 * Gateway nodes as real `paygate start` child processes (dist/ must be built), for the
 * cluster tests and the cluster bench.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, ROOT, TAIL_BYTES, waitReady } from './ports.js';

/** One `paygate start` process. Its port is fixed, so a restarted node answers at the same URL. */
export interface GatewayNode {
  index: number;
  port: number;
  url: string;
  env: Record<string, string>;
  alive(): boolean;
  pid(): number | undefined;
  /** Spawns the process and waits for /readyz. */
  start(): Promise<void>;
  /** kill -9: no drain, leases and in-flight requests are simply abandoned. */
  kill(): Promise<void>;
  /** Graceful (SIGTERM), then SIGKILL if it does not exit within timeoutMs; then its temp data dir goes. */
  stop(timeoutMs?: number): Promise<void>;
  /** kill -9 and remove its temp data dir: the end of a test. */
  dispose(): Promise<void>;
  /** The last 32 KiB the process wrote (pino logs go to stdout), for failure reports. */
  logTail(): string;
}

export function gatewayNode(index: number, port: number, env: Record<string, string>): GatewayNode {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `paygate-node${index}-`));
  const nodeEnv: Record<string, string> = {
    HOST: '127.0.0.1', PAYGATE_DATA_DIR: dataDir,
    // Test nodes use the simulators and loopback webhook receivers, which production mode refuses unless asked.
    PAYGATE_SIMULATORS: 'true', PAYGATE_WEBHOOK_ALLOWED_HOSTS: '127.0.0.0/8,::1,localhost',
    // No daily reconciliation sweep mid-test (as in harness.ts); a test that wants it says so.
    PAYGATE_RECON_SCHEDULE: 'off',
    ...env, PORT: String(port),
  };
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  const waitExit = async (timeoutMs: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((r) => { timer = setTimeout(() => r(false), timeoutMs); });
    const done = await Promise.race([exited.then(() => true), timedOut]);
    clearTimeout(timer);
    return done;
  };
  const node: GatewayNode = {
    index, port, url, env: nodeEnv,
    alive: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    pid: () => (node.alive() ? child?.pid : undefined),
    async start() {
      if (node.alive()) throw new Error(`node ${index} is already running`);
      // Inherit PATH and friends, but not a DATABASE_URL or REDIS_URL from the caller's shell.
      const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PAYGATE_') && k !== 'DATABASE_URL' && k !== 'REDIS_URL'));
      const c = spawn(process.execPath, [path.join(ROOT, 'bin/paygate.js'), 'start'], { env: { ...base, ...nodeEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      exited = new Promise((resolve) => c.once('exit', () => resolve()));
      c.stdout?.on('data', keep);
      c.stderr?.on('data', keep);
      const died = exited.then(() => { throw new Error(`node ${index} exited during start (${c.exitCode ?? c.signalCode}):\n${tail}`); });
      await Promise.race([waitReady(url, 30_000), died]);
    },
    async kill() {
      if (!node.alive()) return;
      child?.kill('SIGKILL');
      await exited;
    },
    async stop(timeoutMs = 10_000) {
      if (node.alive()) {
        child?.kill('SIGTERM');
        if (!(await waitExit(timeoutMs))) await node.kill();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
    async dispose() {
      await node.kill();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
    logTail: () => tail,
  };
  return node;
}

/** n nodes on free ports, started concurrently (as a deploy would), all with the same env. */
export async function startNodes(n: number, env: Record<string, string>, ports?: number[]): Promise<GatewayNode[]> {
  const ps = ports ?? (await Promise.all(Array.from({ length: n }, () => freePort())));
  const nodes = ps.map((port, i) => gatewayNode(i, port, env));
  const started = await Promise.allSettled(nodes.map((nd) => nd.start()));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(nodes.map((nd) => nd.dispose()));
    throw failed.reason;
  }
  return nodes;
}
