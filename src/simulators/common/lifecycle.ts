/**
 * Shared plumbing of every simulator: a sleep that a shutdown cuts short (a hung "timeout"
 * fault must not hold up close()), and a standalone server for one simulator.
 */
import { setMaxListeners } from 'node:events';
import { pathToFileURL } from 'node:url';
import Fastify, { type FastifyPluginAsync } from 'fastify';

/** Resolves after `ms`, or at once when `signal` aborts; never keeps the process alive. */
export function abortableSleep(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    // Many requests sleep at once on the one shutdown signal (latency / hang faults under load).
    setMaxListeners(0, signal);
    signal.addEventListener('abort', done, { once: true });
    // Remove the listener when the timer fires: a long-lived simulator sleeps many times on
    // one shutdown signal, and leftover listeners would pile up (and trip Node's warning).
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

export interface Mountable {
  plugin: FastifyPluginAsync;
  close(): Promise<void>;
}

/**
 * Runs one simulator on its own Fastify server under `prefix` (and also at the root when a
 * client's base path cannot be changed, as with stripe-node's /v1). The simulator is built
 * by `make` with a base-URL getter, because the port is known only after listen.
 */
export async function serveStandalone<S extends Mountable>(opts: {
  port?: number | undefined;
  host?: string | undefined;
  prefix: string;
  alsoAtRoot?: boolean;
  make: (publicBaseUrl: () => string) => S;
}): Promise<{ url: string; sim: S; close(): Promise<void> }> {
  const host = opts.host ?? '127.0.0.1';
  let url = '';
  const sim = opts.make(() => `${url}${opts.prefix}`);
  const app = Fastify({ logger: false });
  try {
    await app.register(sim.plugin, { prefix: opts.prefix });
    if (opts.alsoAtRoot) await app.register(sim.plugin);
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

/** What a standalone simulator is started with (each provider's start…Simulator). */
export interface StandaloneOptions {
  port?: number | undefined;
  host?: string | undefined;
  dataDir?: string | undefined;
  timeScale?: number | undefined;
}

/** serveStandalone for a simulator class taking the common SimulatorOptions (common/host.ts). */
export function serveSimulator<S extends Mountable>(
  opts: StandaloneOptions,
  o: { prefix: string; alsoAtRoot?: boolean; make: (options: { dataDir: string | undefined; timeScale: number | undefined; publicBaseUrl: () => string }) => S },
): Promise<{ url: string; sim: S; close(): Promise<void> }> {
  return serveStandalone({
    port: opts.port, host: opts.host, prefix: o.prefix, alsoAtRoot: o.alsoAtRoot ?? false,
    make: (publicBaseUrl) => o.make({ dataDir: opts.dataDir, timeScale: opts.timeScale, publicBaseUrl }),
  });
}

/**
 * When `moduleUrl` is the script node was started with (`node dist/simulators/<p>/standalone.js`):
 * starts the simulator with PORT (else `defaultPort`), HOST and DATA_DIR (else ./data/sandbox)
 * and prints the line `start` returns.
 */
export async function runIfMain(moduleUrl: string, defaultPort: number, start: (opts: StandaloneOptions) => Promise<string>): Promise<void> {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  console.log(await start({ port: Number(process.env.PORT ?? defaultPort), host: process.env.HOST, dataDir: process.env.DATA_DIR ?? './data/sandbox' }));
}
