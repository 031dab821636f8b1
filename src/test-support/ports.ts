/** Ports and readiness for tests and benches that start real servers and processes. */
import net from 'node:net';
import path from 'node:path';

/** The repository root (bin/, dist/ live there). */
export const ROOT = path.resolve(import.meta.dirname, '../..');

/** Bytes of a child's output kept for failure reports. */
export const TAIL_BYTES = 32 * 1024;

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

/** Calls fn every 50 ms until it returns a value; fn throwing counts as "not yet". */
export async function poll<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
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
