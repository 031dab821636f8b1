/**
 * Redis for tests. The shared server (PAYGATE_TEST_REDIS_URL, default 127.0.0.1:6379) is
 * used by test files running in parallel: each run gets its own key prefix and nothing is
 * ever flushed. Tests that stop Redis start a private redis-server on a free port instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.PAYGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A prefix no other test run uses (PAYGATE_REDIS_PREFIX). */
export function uniquePrefix(): string {
  return `paygate-test:${crypto.randomBytes(6).toString('hex')}:`;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function ping(port: number): Promise<boolean> {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

export interface PrivateRedis {
  url: string;
  port: number;
  /** SIGKILL: the gateway sees connections drop, as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: it persists nothing). */
  start(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const r: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      const deadline = Date.now() + 5_000;
      while (!(await ping(port))) {
        if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
        await new Promise((res) => setTimeout(res, 25));
      }
    },
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((res) => c.once('exit', res));
      c.kill('SIGKILL');
      await exited;
    },
  };
  await r.start();
  return r;
}
