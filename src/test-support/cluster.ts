/**
 * Multi-process helpers for the cluster tests and the cluster bench: gateway nodes as real
 * `paygate start` child processes (dist/ must be built), a private PostgreSQL cluster that
 * may be stopped and restarted at will (the shared server on :5432 must never be; a private
 * redis-server is in redis.ts), the Alipay simulator as its own process, and a front proxy
 * that stands in for a load balancer.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = path.resolve(import.meta.dirname, '../..');
const TAIL_BYTES = 32 * 1024;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function poll<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function waitReady(url: string, timeoutMs = 30_000): Promise<void> {
  await poll(`${url}/readyz`, timeoutMs, async () => ((await fetch(`${url}/readyz`)).ok ? true : undefined));
}

/** CPU seconds of a process so far, from /proc (Linux); undefined elsewhere or once it is gone. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100 on Linux)
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of the whole machine, to tell "CPU-bound" from "waiting". */
export function machineJiffies(): { busy: number; total: number } | undefined {
  try {
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.reduce((a, b) => a + b, 0);
    return { busy: total - (cpu[3] ?? 0) - (cpu[4] ?? 0), total };
  } catch {
    return undefined;
  }
}

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

/**
 * A throw-away PostgreSQL cluster in a temp dir, on its own port and socket dir. stop() and
 * start() really take the server down and up again (same port, same data), which is what an
 * outage test needs and what nobody may do to the shared server.
 */
export interface PrivatePostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust auth). */
  adminUrl: string;
  /** The same server, another database. */
  urlFor(database: string): string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server if it runs and deletes the cluster. */
  remove(): Promise<void>;
  logTail(): string;
}

function pgBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions[0]) throw new Error(`no PostgreSQL server binaries under ${root} (apt-get install postgresql)`);
  return path.join(root, versions[0], 'bin');
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = pgBinDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-pg-'));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'log');
  // PostgreSQL refuses to run as root: as root, hand the dir to the postgres user.
  const asRoot = process.getuid?.() === 0;
  const pgRun = (cmd: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]) : run(path.join(bin, cmd), args));
  if (asRoot) await run('chown', ['postgres:postgres', dir]);
  const port = await freePort();
  // fsync off: the cluster lives for one test; a crash loses nothing anyone wants.
  const serverOpts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  let running = false;
  const pgdb: PrivatePostgres = {
    port,
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    urlFor: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await pgRun('pg_ctl', ['-D', data, '-o', serverOpts, '-l', logFile, '-w', '-t', '60', 'start']);
      running = true;
    },
    async stop() {
      await pgRun('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
      running = false;
    },
    async remove() {
      if (running) await pgRun('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      running = false;
      fs.rmSync(dir, { recursive: true, force: true });
    },
    logTail: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-TAIL_BYTES) : ''),
  };
  try {
    await pgRun('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await pgdb.start();
  } catch (err) {
    await pgdb.remove();
    throw err;
  }
  return pgdb;
}

/** One copy of a provider notification, as the front proxy saw it come back. */
export interface NotifyCopy { node: number; status?: number; body?: string; error?: string; ms: number }
export interface NotifyRecord { path: string; nodes: number[]; copies: NotifyCopy[]; answered: number }

export interface FrontProxy {
  url: string;
  /** Every provider notification: which two nodes got it and what each answered. */
  notifications: NotifyRecord[];
  /** Ordinary requests answered, per node. */
  forwarded: number[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'upgrade', 'expect', 'te', 'trailer', 'proxy-connection']);

interface Upstream { status: number; headers: Record<string, string>; body: Buffer }

function refused(err: unknown): boolean {
  return err instanceof TypeError && (err.cause as { code?: unknown } | undefined)?.code === 'ECONNREFUSED';
}

function describe(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  return `${err instanceof Error ? err.message : String(err)}${cause ? ` (${String(cause.code ?? cause.message)})` : ''}`;
}

/**
 * The load balancer in front of the nodes, and the address providers are given
 * (PAYGATE_PUBLIC_URL). Ordinary requests go round-robin, moving on to the next node when a
 * node refuses the connection, as nginx's proxy_next_upstream does. Every provider
 * notification (POST /notify/...) goes to TWO different nodes at once, node k and k+1, so
 * each one is processed twice, concurrently, on different nodes: the gateway must treat the
 * second as a duplicate. The provider gets the first 2xx answer, or 502 when no copy got
 * one (a dead node's copy fails), and then retries as providers do.
 */
export async function startFrontProxy(nodeUrls: string[], opts: { port?: number; copyTimeoutMs?: number } = {}): Promise<FrontProxy> {
  const n = nodeUrls.length;
  if (n < 2) throw new Error('the front proxy needs at least two nodes to send each notification twice');
  const notifications: NotifyRecord[] = [];
  const forwarded = nodeUrls.map(() => 0);
  let turn = 0;
  let notifyTurn = 0;

  const forward = async (node: number, req: http.IncomingMessage, body: Buffer, timeoutMs: number): Promise<Upstream> => {
    const headers: Array<[string, string]> = [];
    for (const [k, v] of Object.entries(req.headers)) {
      if (HOP_BY_HOP.has(k) || v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) headers.push([k, one]);
    }
    headers.push(['x-forwarded-for', req.socket.remoteAddress ?? '']);
    const r = await fetch(nodeUrls[node] + (req.url ?? '/'), {
      method: req.method ?? 'GET', headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs),
      ...(body.length > 0 ? { body } : {}),
    });
    const out: Record<string, string> = {};
    r.headers.forEach((v, k) => { if (!HOP_BY_HOP.has(k)) out[k] = v; });
    return { status: r.status, headers: out, body: Buffer.from(await r.arrayBuffer()) };
  };

  const fanOutNotification = async (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => {
    const k = notifyTurn++ % n;
    const record: NotifyRecord = { path: req.url ?? '', nodes: [k, (k + 1) % n], copies: [], answered: 0 };
    notifications.push(record);
    const answer = (u: Upstream) => {
      if (record.answered !== 0) return;
      record.answered = u.status;
      res.writeHead(u.status, u.headers).end(u.body);
    };
    await Promise.all(record.nodes.map(async (node) => {
      const t0 = Date.now();
      try {
        const u = await forward(node, req, body, opts.copyTimeoutMs ?? 15_000);
        record.copies.push({ node, status: u.status, body: u.body.toString('utf8').slice(0, 200), ms: Date.now() - t0 });
        if (u.status >= 200 && u.status < 300) answer(u);
      } catch (err) {
        record.copies.push({ node, error: describe(err), ms: Date.now() - t0 });
      }
    }));
    answer({ status: 502, headers: { 'content-type': 'text/plain' }, body: Buffer.from('no node accepted the notification') });
  };

  const roundRobin = async (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => {
    const first = turn++ % n;
    let lastError = '';
    for (let i = 0; i < n; i++) {
      const node = (first + i) % n;
      try {
        const u = await forward(node, req, body, 30_000);
        forwarded[node]!++;
        res.writeHead(u.status, u.headers).end(u.body);
        return;
      } catch (err) {
        lastError = describe(err);
        // Only a refused connection is safe to retry elsewhere: the node never saw the request.
        if (!refused(err)) break;
      }
    }
    res.writeHead(502, { 'content-type': 'text/plain' }).end(`front proxy: ${lastError}`);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const handle = req.method === 'POST' && req.url?.startsWith('/notify/') ? fanOutNotification : roundRobin;
      handle(req, body, res).catch((err: unknown) => {
        if (res.headersSent) res.destroy();
        else res.writeHead(502, { 'content-type': 'text/plain' }).end(`front proxy: ${describe(err)}`);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    notifications,
    forwarded,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

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
