/**
 * Streams a provider's file (a bill) to a temporary file, so a bill of a million rows never
 * sits in memory, with a size cap checked while the bytes arrive. Provider URLs only (the
 * bill URL comes from the provider's signed answer to a request to the operator-configured
 * base URL), so no egress policy applies, as for every provider call.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request } from 'undici';
import type { WireRequest } from '../../connectors/types.js';
import { TransportError } from './transport.js';

export class DownloadTooLargeError extends Error {}

export interface Downloaded { status: number; headers: Record<string, string>; path: string; bytes: number }

/** A scratch folder for one run's files; remove() deletes it with everything in it. */
export async function scratchDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function downloadToFile(req: WireRequest, file: string, opts: { timeoutMs: number; maxBytes: number; signal?: AbortSignal }): Promise<Downloaded> {
  let res;
  try {
    res = await request(req.url, {
      method: req.method, headers: req.headers, body: req.body,
      headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    throw new TransportError('network', `could not download from ${new URL(req.url).origin}: ${(err as Error).message}`, { cause: err });
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  const declared = Number(headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    res.body.destroy();
    throw new DownloadTooLargeError(`the provider announces ${declared} bytes, more than the ${opts.maxBytes} allowed`);
  }
  let bytes = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > opts.maxBytes) done(new DownloadTooLargeError(`the download passed the ${opts.maxBytes} bytes allowed`));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(res.body, cap, createWriteStream(file));
  } catch (err) {
    if (err instanceof DownloadTooLargeError) throw err;
    throw new TransportError('network', `download from ${new URL(req.url).origin} broke off after ${bytes} bytes: ${(err as Error).message}`, { cause: err });
  }
  return { status: res.statusCode, headers, path: file, bytes };
}
