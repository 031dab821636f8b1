// Test support for the simulator's suites (not used at runtime). Signing here is written
// out step by step with node:crypto, independently of crypto.ts, so the tests can cross-check it.
import { AlipaySdk } from 'alipay-sdk';
import { createSign, createVerify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll } from 'vitest';
import type { AlipaySimulator } from './simulator.js';
import { startAlipaySimulator } from './standalone.js';

/** An alipay-sdk client for a public-key-mode app of the simulator served at `origin` (…/sandbox/alipay/gateway.do). */
export function sdkFor(origin: string, app: { app_id: string; private_key?: string | undefined }, alipayPublicKey: string, timeout?: number): AlipaySdk {
  return new AlipaySdk({
    appId: app.app_id, privateKey: app.private_key ?? '', alipayPublicKey, gateway: `${origin}/sandbox/alipay/gateway.do`, camelcase: false,
    ...(timeout !== undefined ? { timeout } : {}),
  });
}

/** alipay.trade.precreate through the SDK, the answer's signature checked. */
export function precreate(sdk: AlipaySdk, bizContent: Record<string, unknown>, notifyUrl?: string) {
  return sdk.exec('alipay.trade.precreate', { ...(notifyUrl !== undefined ? { notify_url: notifyUrl } : {}), bizContent }, { validateSign: true });
}

export const GMT8_DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** Parses a GMT+8 "yyyy-MM-dd HH:mm:ss" into epoch ms, independently of format.ts. */
export function gmt8ToEpoch(s: string): number {
  return Date.parse(`${s.replace(' ', 'T')}+08:00`);
}

export function nowGmt8Timestamp(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** Signs request params the way Alipay documents it: sorted, non-empty, k=v&, RSA-SHA256. */
export function signRequest(params: Record<string, string>, privateKeyPem: string): Record<string, string> {
  const keys = Object.keys(params).filter((k) => k !== 'sign' && params[k] !== '').sort();
  const content = keys.map((k) => `${k}=${params[k]}`).join('&');
  const sign = createSign('RSA-SHA256').update(content, 'utf8').sign(privateKeyPem, 'base64');
  return { ...params, sign };
}

export function verifyRsa2(content: string, sign: string, publicKeyPem: string): boolean {
  return createVerify('RSA-SHA256').update(content, 'utf8').verify(publicKeyPem, sign, 'base64');
}

/** Extracts the raw `"<key>":{...}` node text from a response body by brace matching. */
export function rawNode(body: string, responseKey: string): string {
  const start = body.indexOf(`"${responseKey}":`) + responseKey.length + 3;
  let depth = 0;
  let inString = false;
  for (let i = start; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return body.slice(start, i + 1);
  }
  throw new Error(`no ${responseKey} node in ${body}`);
}

export interface ReceivedNotification {
  headers: IncomingHttpHeaders;
  raw: string;
  fields: Record<string, string>;
  at: number;
}

/** A merchant notify_url endpoint that records every POST and answers via `respond`. */
export class Receiver {
  readonly received: ReceivedNotification[] = [];
  respond: (n: ReceivedNotification, countForNotifyId: number) => string = () => 'success';
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const fields = Object.fromEntries(new URLSearchParams(raw));
        const n: ReceivedNotification = { headers: req.headers, raw, fields, at: Date.now() };
        this.received.push(n);
        const count = this.received.filter((r) => r.fields.notify_id === fields.notify_id).length;
        res.writeHead(200, { 'content-type': 'text/plain' }).end(this.respond(n, count));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/notify/alipay`;
    return this;
  }

  forTrade(outTradeNo: string): ReceivedNotification[] {
    return this.received.filter((n) => n.fields.out_trade_no === outTradeNo);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** What simulatorSuite() started; `url` and `sim` are set once the file's first beforeAll has run. */
export interface SimulatorSuite { readonly receiver: Receiver; url: string; sim: AlipaySimulator }

/**
 * The simulator most suites run against (time scaled 1000×, so provider minutes pass in
 * milliseconds) and a merchant Receiver, started before the file's tests and stopped after them.
 * Call it before the file's own beforeAll, which can then use both.
 */
export function simulatorSuite(): SimulatorSuite {
  const suite = { receiver: new Receiver() } as SimulatorSuite;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    await suite.receiver.start();
    ({ url: suite.url, sim: suite.sim, close } = await startAlipaySimulator({ port: 0, timeScale: 0.001 }));
  });
  afterAll(async () => {
    await close?.();
    await suite.receiver.close();
  });
  return suite;
}

export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ZipEntry {
  name: string;
  utf8Flag: boolean;
  data: Buffer;
}

/** Minimal zip reader (central directory + stored/deflate), enough to open a bill file. */
export function unzip(zip: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= 0; i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory');
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const compressed = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const utf8Flag = (flags & 0x0800) !== 0;
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString(utf8Flag ? 'utf8' : 'latin1');
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataStart, dataStart + compressed);
    entries.push({ name, utf8Flag, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}
