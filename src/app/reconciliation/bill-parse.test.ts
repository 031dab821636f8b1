/**
 * The worker-thread parse of bill files (bill-parse.ts) against the parser run in process.
 * vitest runs TypeScript, which a worker cannot load, so the thread side is the compiled
 * module in dist/ (built by the global set-up): the same rows in the same order, the same
 * BillError for a bad file, flow control over more batches than its credit, and a consumer
 * that stops early ends the thread.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alipayBills } from '../../connectors/alipay/bill-source.js';
import { alipayConnector } from '../../connectors/alipay/index.js';
import type { BillFileFormat, BillFileParams, BillIo, BillRow } from '../../connectors/bills.js';
import { startAlipaySimulator, type AlipaySimulator } from '../../simulators/alipay/index.js';
import { testBillIo, type TestBillIo } from '../../test-support/bill-io.js';
import { BATCH_ROWS, canParseOffThread, CREDIT, parseFile } from './bill-parse.js';

type ParseFile = (format: BillFileFormat, file: string, params: BillFileParams, read: BillIo['read'], offThread: { root: string } | undefined) => AsyncIterable<BillRow>;
interface Compiled { parseFile: ParseFile; canParseOffThread: () => boolean }

const ROWS = BATCH_ROWS * (CREDIT + 3) + 17;
const env = { sim: undefined as unknown as AlipaySimulator, url: '', close: async () => {}, dir: '', bill: '', io: undefined as unknown as TestBillIo, compiled: undefined as unknown as Compiled };

beforeAll(async () => {
  Object.assign(env, await startAlipaySimulator({ port: 0, timeScale: 0.001 }));
  env.dir = await mkdtemp(path.join(os.tmpdir(), 'paygate-bill-parse-'));
  env.compiled = (await import(pathToFileURL(path.resolve(import.meta.dirname, '../../../dist/app/reconciliation/bill-parse.js')).href)) as Compiled;
  // A real Alipay bill zip as the connector downloads it: a synthetic day of the simulator.
  const app = env.sim.registerApp();
  const day = '2026-11-29';
  const res = await fetch(`${env.url}/sandbox/alipay/_bills/synthetic`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ account: app.app_id, date: day, rows: ROWS }) });
  expect(res.status).toBe(201);
  env.io = testBillIo();
  const ctx = { credentials: alipayConnector.parseCredentials(app), baseUrl: `${env.url}/sandbox/alipay`, notifyUrl: 'http://127.0.0.1:9/n', now: new Date() };
  const seen = { ...env.io, parseFile: (_f: BillFileFormat, file: string) => { env.bill = file; return (async function* () {})(); } };
  for await (const _ of alipayBills.rows(seen, ctx, day)) { /* the download only */ }
  expect(env.bill).not.toBe('');
}, 120_000);

afterAll(async () => {
  await env.close();
  await rm(env.dir, { recursive: true, force: true });
  await rm(env.io.dir, { recursive: true, force: true });
});

async function all(rows: AsyncIterable<BillRow>): Promise<BillRow[] | { code: unknown; message: string }> {
  const out: BillRow[] = [];
  try {
    for await (const r of rows) out.push(r);
    return out;
  } catch (err) {
    return { code: (err as { code?: unknown }).code, message: (err as Error).message };
  }
}

describe('bill files parsed on a worker thread', () => {
  it('runs on a thread only from compiled JavaScript', () => {
    expect(canParseOffThread()).toBe(false);
    expect(env.compiled.canParseOffThread()).toBe(true);
  });

  it('gives exactly the rows of the parser in process, in order, over more batches than its credit', async () => {
    const here = await all(parseFile('alipay', env.bill, {}, env.io.read, { root: path.dirname(env.bill) }));
    const thread = await all(env.compiled.parseFile('alipay', env.bill, {}, env.io.read, { root: path.dirname(env.bill) }));
    expect(Array.isArray(here) && here.length).toBe(ROWS);
    expect(thread).toEqual(here);
  });

  it('throws the same BillError for a cut-short file, and refuses a file outside the run', async () => {
    const cut = path.join(env.dir, 'cut.zip');
    const bytes = await readFile(env.bill);
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const here = await all(parseFile('alipay', cut, {}, env.io.read, undefined));
    const thread = await all(env.compiled.parseFile('alipay', cut, {}, env.io.read, { root: env.dir }));
    expect(here).toMatchObject({ code: expect.stringMatching(/^RECON\./) });
    expect(thread).toEqual(here);

    const elsewhere = path.join(env.dir, 'wechat.gz');
    await copyFile(env.bill, elsewhere);
    const outside = await all(env.compiled.parseFile('wechatpay', elsewhere, {}, env.io.read, { root: path.join(env.dir, 'run') }));
    expect(outside).toMatchObject({ code: 'RECON.BILL_UNAVAILABLE', message: expect.stringContaining('outside this run') });
  });

  it('a consumer that stops early ends the thread', async () => {
    let n = 0;
    for await (const _ of env.compiled.parseFile('alipay', env.bill, {}, env.io.read, { root: path.dirname(env.bill) })) if (++n === 10) break;
    expect(n).toBe(10);
  });
});
