// File transfer end to end: the connector's request to the simulator, its zip/ZM reader
// over the simulator's GBK fixed-width file, and 98 for a day without transactions. Then
// the stream readers alone: yauzl + CRC over damaged archives, records of the wrong shape.
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { deflateSync } from 'node:zlib';
import iconv from 'iconv-lite';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUnionpaySimulator } from '../../simulators/unionpay/index.js';
import { zmLine } from '../../simulators/unionpay/zm-lines.js';
import type { ConnectorContext } from '../types.js';
import type { UnionpayCredentials } from './credentials.js';
import { buildFileTransfer, parseFileTransfer, parseZmFile, readZip, unionpayConnector, ZM_WIDTHS, type ZmRecord } from './index.js';
import { sent } from '../../test-support/wire.js';
import { inflateToFile } from './zip.js';

const tmp = () => mkdtemp(join(tmpdir(), 'unionpay-ft-test-'));

async function records(stream: AsyncIterable<Buffer>): Promise<ZmRecord[]> {
  const out: ZmRecord[] = [];
  for await (const r of parseZmFile(stream)) out.push(r);
  return out;
}

function zipOf(name: string, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = new yazl.ZipFile();
    z.addBuffer(data, name);
    z.end();
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c));
    z.outputStream.on('error', reject);
    z.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

const txn = { txnType: '01', txnSubType: '07', merId: '777000000000001', orderId: '01hk0w4v00abcdefghjkmnpqrs', queryId: '202612011200000000001', traceNo: '123456', amount: 1234, at: Date.parse('2026-12-01T04:00:00Z'), origQryId: '', origAt: null, fee: null };

describe('file transfer against the simulator', () => {
  let s: Awaited<ReturnType<typeof startUnionpaySimulator>>;
  let ctx: ConnectorContext<UnionpayCredentials>;
  const send = async (path: string, body: string) => {
    const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    return { status: res.status, headers: {}, body: await res.text() };
  };

  beforeAll(async () => {
    s = await startUnionpaySimulator({});
    ctx = { credentials: unionpayConnector.parseCredentials(s.sim.registerMerchant()), baseUrl: `${s.url}/sandbox/unionpay`, notifyUrl: 'http://127.0.0.1:9/n', now: new Date() };
  });
  afterAll(async () => s?.close());

  it('reads the ZM records of a paid order', async () => {
    const reference = `att_${'0'.repeat(10)}abcdefghjkmnpqrs`.replace('0'.repeat(10), '01hk0w4v00');
    const build = sent(unionpayConnector.create.build(ctx, { reference, amount: 1234, currency: 'CNY', description: 'x', expiresAt: new Date(Date.now() + 3600_000) }));
    const created = unionpayConnector.create.parse(ctx, { reference, amount: 1234, currency: 'CNY', description: 'x', expiresAt: new Date() }, await send(build.url, build.body ?? ''));
    expect(created.ok).toBe(true);
    s.sim.pay(reference.slice(4), 'success');
    const settleDate = new Date(Date.now() + 8 * 3600_000).toISOString().slice(5, 10).replace('-', '');
    const req = sent(buildFileTransfer(ctx, settleDate));
    const result = parseFileTransfer(ctx, await send(req.url, req.body ?? ''));
    if (!result.ok || !('fileContent' in result)) throw new Error(JSON.stringify(result));
    const dir = await tmp();
    await inflateToFile(result.fileContent, createWriteStream(join(dir, 'z.zip')), 1 << 30);
    const zip = await readZip(join(dir, 'z.zip'));
    const zm = zip.entries.find((e) => e.name.includes('ZM_'));
    expect(zm).toBeDefined();
    const chunks: Buffer[] = [];
    for await (const c of await zip.open(zm!.name)) chunks.push(c as Buffer);
    const data = Buffer.concat(chunks);
    const firstLine = data.subarray(0, data.indexOf(0x0d));
    expect(firstLine.length).toBe(ZM_WIDTHS.reduce((a, b) => a + b, 0) + ZM_WIDTHS.length - 1);
    const [record] = await records(Readable.from([data]));
    zip.close();
    expect(record).toMatchObject({ orderId: reference.slice(4), txnType: '01', amount: 1234 });
    expect(record!.fields[30]).toBe('银联沙箱商户');
  });

  it('reports no file (98) for a day without transactions', async () => {
    const req = buildFileTransfer(ctx, '0229');
    expect(parseFileTransfer(ctx, await send(req.url, req.body ?? ''))).toEqual({ ok: true, noFile: true });
  });

  it('builds a failure value, never throws, for a settleDate that is not MMDD or a broken clock', () => {
    for (const bad of ['1301', '0000', '229', '02-29', '']) expect(buildFileTransfer(ctx, bad)).toMatchObject({ ok: false, code: 'VALIDATION.INVALID_BODY' });
    expect(buildFileTransfer({ ...ctx, now: new Date(NaN) }, '0101')).toMatchObject({ ok: false, code: 'VALIDATION.INVALID_BODY' });
  });
});

describe('archive reader (zip.ts)', () => {
  const data = Buffer.concat([zmLine(txn), zmLine({ ...txn, amount: 99 })]);

  it('inflates base64 + zlib to a file and reads the entry with its CRC checked', async () => {
    const dir = await tmp();
    const bytes = await inflateToFile(deflateSync(await zipOf('INN26120188ZM_x', data)).toString('base64'), createWriteStream(join(dir, 'a.zip')), 1 << 20);
    expect(bytes).toBe((await readFile(join(dir, 'a.zip'))).length);
    const zip = await readZip(join(dir, 'a.zip'));
    expect(zip.entries).toEqual([expect.objectContaining({ name: 'INN26120188ZM_x', uncompressedSize: data.length })]);
    expect((await records(await zip.open('INN26120188ZM_x'))).map((r) => r.amount)).toEqual([1234, 99]);
    zip.close();
  });

  it('refuses a zlib stream cut short, text that is not base64, and an archive past the cap', async () => {
    const dir = await tmp();
    const z = deflateSync(await zipOf('a', data));
    await expect(inflateToFile(z.subarray(0, z.length - 10).toString('base64'), createWriteStream(join(dir, 'b')), 1 << 20)).rejects.toMatchObject({ code: 'RECON.BILL_TRUNCATED' });
    await expect(inflateToFile('not base64!', createWriteStream(join(dir, 'c')), 1 << 20)).rejects.toMatchObject({ code: 'RECON.BILL_TRUNCATED' });
    await expect(inflateToFile(z.toString('base64'), createWriteStream(join(dir, 'd')), 100)).rejects.toMatchObject({ code: 'RECON.BILL_TOO_LARGE' });
  });

  it('refuses a zip cut short (no central directory) as truncated', async () => {
    const dir = await tmp();
    const zip = await zipOf('a', data);
    await writeFile(join(dir, 'cut.zip'), zip.subarray(0, zip.length - 30));
    await expect(readZip(join(dir, 'cut.zip'))).rejects.toMatchObject({ code: 'RECON.BILL_TRUNCATED' });
  });

  it('fails the entry stream at its end when the CRC-32 does not match the bytes', async () => {
    const dir = await tmp();
    const zip = Buffer.from(await zipOf('a', data));
    const cd = zip.readUInt32LE(zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) + 16);
    zip.writeUInt32LE((zip.readUInt32LE(cd + 16) ^ 1) >>> 0, cd + 16);
    await writeFile(join(dir, 'crc.zip'), zip);
    const archive = await readZip(join(dir, 'crc.zip'));
    const seen: number[] = [];
    await expect((async () => { for await (const r of parseZmFile(await archive.open('a'))) seen.push(r.line); })()).rejects.toMatchObject({ code: 'RECON.BILL_HASH_MISMATCH' });
    archive.close();
  });
});

describe('ZM record parser (zm-file.ts)', () => {
  const parse = (...chunks: Buffer[]) => records(Readable.from(chunks));

  it('splits lines across chunk boundaries, byte by byte', async () => {
    const file = Buffer.concat([zmLine(txn), zmLine({ ...txn, amount: 7 }), zmLine({ ...txn, amount: 8 })]);
    const bytes = [...file].map((b) => Buffer.from([b]));
    expect((await parse(...bytes)).map((r) => [r.line, r.amount])).toEqual([[1, 1234], [2, 7], [3, 8]]);
  });

  it('refuses a record of the wrong length, and a line too long without buffering it', async () => {
    const line = zmLine(txn);
    await expect(parse(Buffer.concat([line.subarray(0, 100), Buffer.from('\r\n')]))).rejects.toMatchObject({ code: 'RECON.BILL_ROW_INVALID', message: expect.stringContaining('line 1: 100 bytes') });
    await expect(parse(line, Buffer.concat([Buffer.from(' '), line]))).rejects.toMatchObject({ code: 'RECON.BILL_ROW_INVALID', message: expect.stringContaining('line 2') });
    await expect(parse(Buffer.alloc(10_000, 0x20))).rejects.toMatchObject({ code: 'RECON.BILL_ROW_INVALID', message: expect.stringContaining('longer than') });
  });

  it('refuses UTF-8 text and bytes that are no GBK character', async () => {
    await expect(parse(zmLine(txn, { utf8: true }))).rejects.toMatchObject({ code: 'RECON.BILL_ENCODING' });
    const line = zmLine(txn);
    const nameAt = ZM_WIDTHS.slice(0, 30).reduce((a, w) => a + w + 1, 0);
    line[nameAt] = 0x81;
    line[nameAt + 1] = 0x20;
    await expect(parse(line)).rejects.toMatchObject({ code: 'RECON.BILL_ENCODING', message: expect.stringContaining('#31') });
  });

  it('slices GBK bytes, not characters: a Chinese name does not shift the fields after it', async () => {
    const [r] = await parse(zmLine(txn));
    expect(iconv.encode(r!.fields[30]!, 'gbk').length).toBe(12);
    expect(r!.fields[27]).toBe('777000000000001');
  });
});
