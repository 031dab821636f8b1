/**
 * The BillIo the connectors' bill tests run sources with: build → fetch → parse for calls (no
 * resilience policy), downloads streamed to a temporary folder with a size cap, and the file
 * reader and scratch files the app's BillIo (app/reconciliation/bill-io.ts) gives. What it
 * records (operations, URLs, downloads) lets tests check the steps a source took.
 */
import { createReadStream, createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { billFileParsers } from '../connectors/bill-files.js';
import { BillError, type BillIo } from '../connectors/bills.js';
import type { WireRequest, WireResponse } from '../connectors/types.js';

export interface TestBillIo extends BillIo {
  /** Operations called, in order. */
  readonly calls: string[];
  /** URLs of the calls sent, in order. */
  readonly sent: string[];
  downloads: number;
  /** The folder downloads and scratch files go to. */
  readonly dir: string;
}

const send = (req: WireRequest) => fetch(req.url, { method: req.method, headers: req.headers, ...(req.body === undefined ? {} : { body: req.body }) });

export function testBillIo(opts: { capBytes?: number; now?: () => Date } = {}): TestBillIo {
  const capBytes = opts.capBytes ?? 64 * 1024 * 1024;
  const dir = mkdtempSync(path.join(tmpdir(), 'paygate-bill-test-'));
  let files = 0;
  const io: TestBillIo = {
    calls: [], sent: [], downloads: 0, dir,
    now: opts.now ?? (() => new Date()),
    async call(operation, build, parse) {
      io.calls.push(operation);
      const req = build({});
      if ('ok' in req) return req;
      io.sent.push(req.url);
      const res = await send(req);
      const wire: WireResponse = { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
      return parse(wire);
    },
    async download(req) {
      io.downloads++;
      const res = await send(req);
      const file = path.join(dir, `download-${++files}`);
      let bytes = 0;
      const body = res.body ? Readable.fromWeb(res.body as WebReadableStream) : Readable.from([]);
      const counted = body.map((chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > capBytes) throw new BillError('RECON.BILL_TOO_LARGE', `the download passed the ${capBytes} bytes allowed`);
        return chunk;
      });
      await pipeline(counted, createWriteStream(file));
      return { status: res.status, headers: Object.fromEntries(res.headers), path: file, bytes };
    },
    read: async (file, range) => createReadStream(file, range ?? {}),
    // In process: the worker thread the app may use runs the same parser (app/reconciliation/bill-parse.ts).
    parseFile: (format, file, params) => billFileParsers[format](file, params, io.read),
    scratch: (name) => {
      const file = path.join(dir, `scratch-${++files}-${name}`);
      return { path: file, write: () => createWriteStream(file) };
    },
  };
  return io;
}
