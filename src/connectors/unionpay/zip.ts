/**
 * The archive inside a file-transfer answer: base64 → zlib → zip, read without holding it
 * in memory twice. The base64 text arrives inside the signed ACP answer (the protocol puts
 * the whole file there); from it on, everything streams: base64 is decoded in slices into
 * a zlib inflater that writes the zip to a temporary file, and yauzl reads the entries from
 * that file. yauzl does not check CRC-32 (its README says so), so each entry's stream
 * computes it and compares at the end: the ZM file has no totals line, and the CRC of a
 * complete entry is the only proof that no record is missing or altered.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflate, crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { BillError } from '../bills.js';

/** 4 MiB of base64 per slice (a multiple of 4 characters: each slice decodes on its own). */
const BASE64_SLICE = 4 * 1024 * 1024;

function* base64Slices(text: string): Generator<Buffer> {
  for (let i = 0; i < text.length; i += BASE64_SLICE) yield Buffer.from(text.slice(i, i + BASE64_SLICE), 'base64');
}

/** Counts bytes through a stream and stops past `max` (a zlib bomb or a padded file). */
function capped(max: number, what: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      seen += chunk.length;
      if (seen > max) done(new BillError('RECON.BILL_TOO_LARGE', `${what} exceeds ${max} bytes`));
      else done(null, chunk);
    },
  });
}

/**
 * fileContent (base64 of a zlib stream) → the zip, written to `out` (a scratch file of the run). A base64 text that is not
 * base64, or a zlib stream cut short or damaged, is a truncated bill.
 */
export async function inflateToFile(fileContent: string, out: NodeJS.WritableStream, maxBytes: number): Promise<number> {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(fileContent) || fileContent.length % 4 !== 0) {
    throw new BillError('RECON.BILL_TRUNCATED', 'fileContent is not base64 (cut short or damaged)');
  }
  let bytes = 0;
  const count = new Transform({ transform(chunk: Buffer, _e, done) { bytes += chunk.length; done(null, chunk); } });
  try {
    await pipeline(Readable.from(base64Slices(fileContent)), createInflate(), capped(maxBytes, 'the inflated archive'), count, out);
  } catch (err) {
    if (err instanceof BillError) throw err;
    throw new BillError('RECON.BILL_TRUNCATED', `fileContent is not a complete zlib stream: ${(err as Error).message}`);
  }
  return bytes;
}

export interface ZipEntryInfo {
  name: string;
  uncompressedSize: number;
  crc32: number;
}

export interface ZipArchive {
  entries: ZipEntryInfo[];
  /** The entry's bytes as a stream that fails with RECON.BILL_HASH_MISMATCH when its CRC-32 differs. */
  open(name: string): Promise<Readable>;
  close(): void;
}

const truncated = (err: unknown) => new BillError('RECON.BILL_TRUNCATED', `the archive is not a complete zip: ${(err as Error).message}`);

/** Opens the zip at `path` (central directory first, as yauzl does: a cut zip has none). */
export function readZip(path: string): Promise<ZipArchive> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true }, (err, zip) => {
      if (err || !zip) return reject(truncated(err));
      const found = new Map<string, yauzl.Entry>();
      zip.on('error', (e: Error) => reject(truncated(e)));
      zip.on('entry', (entry: yauzl.Entry) => { found.set(entry.fileName, entry); zip.readEntry(); });
      zip.on('end', () => resolve({
        entries: [...found.values()].map((e) => ({ name: e.fileName, uncompressedSize: e.uncompressedSize, crc32: e.crc32 })),
        open: (name) => openChecked(zip, found.get(name), name),
        close: () => zip.close(),
      }));
      zip.readEntry();
    });
  });
}

function openChecked(zip: yauzl.ZipFile, entry: yauzl.Entry | undefined, name: string): Promise<Readable> {
  if (!entry) return Promise.reject(new Error(`no entry ${name}`));
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(truncated(err));
      let crc = 0;
      const check = new Transform({
        transform(chunk: Buffer, _e, done) { crc = crc32(chunk, crc); done(null, chunk); },
        flush(done) {
          if (crc >>> 0 === entry.crc32 >>> 0) done();
          else done(new BillError('RECON.BILL_HASH_MISMATCH', `${name}: CRC-32 ${(crc >>> 0).toString(16)} differs from the archive's ${(entry.crc32 >>> 0).toString(16)} (the records were altered or cut)`));
        },
      });
      stream.on('error', (e: Error) => check.destroy(e instanceof BillError ? e : truncated(e)));
      resolve(stream.pipe(check));
    });
  });
}
