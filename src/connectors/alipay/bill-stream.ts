/**
 * Streaming readers for bill files: the entries of a zip on disk one at a time (yauzl with
 * lazyEntries, so only one entry is ever being inflated), and the records of a CSV entry
 * decoded from its legacy charset on the fly. Nothing here holds a whole file: a bill of a
 * million rows goes through in constant memory, at the pace the consumer pulls rows.
 *
 * Not Alipay-specific (UnionPay zips and WeChat CSVs are read the same way); kept in this
 * folder until the shared pieces of the bill sources are merged.
 */
import iconv from 'iconv-lite';
import { pipeline, type Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { csvLines, textLines, type CsvRecord } from '../bill-lines.js';
import { BillError } from '../bills.js';

/** General purpose flag bit 11: the entry name is UTF-8; otherwise it is in the archiver's code page. */
const UTF8_NAME_FLAG = 0x800;

export interface ZipEntryReader {
  /** The entry name, decoded as UTF-8 if flagged so, else in `nameCharset` (Chinese archivers write GBK). */
  readonly name: string;
  /** The inflated bytes of this entry; must be read to its end (or abandoned) before the next entry is asked for. */
  open(): Promise<Readable>;
}

const truncated = (what: string, err: unknown) =>
  new BillError('RECON.BILL_TRUNCATED', `${what}: ${err instanceof Error ? err.message : String(err)} (the download is cut short or not a zip)`);

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, zip) => (err ? reject(truncated('bill zip', err)) : resolve(zip)));
  });
}

function nextEntry(zip: ZipFile): Promise<Entry | null> {
  return new Promise((resolve, reject) => {
    const done = () => {
      zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
    };
    const onEntry = (e: Entry) => { done(); resolve(e); };
    const onEnd = () => { done(); resolve(null); };
    const onError = (err: unknown) => { done(); reject(truncated('bill zip', err)); };
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}

/** Every entry of the zip at `path`, in archive order; the file is closed however the loop ends. */
export async function* zipEntries(path: string, nameCharset: string): AsyncGenerator<ZipEntryReader> {
  const zip = await openZip(path);
  try {
    for (let entry = await nextEntry(zip); entry !== null; entry = await nextEntry(zip)) {
      const e = entry;
      const name = e.generalPurposeBitFlag & UTF8_NAME_FLAG ? e.fileNameRaw.toString('utf8') : iconv.decode(e.fileNameRaw, nameCharset);
      yield {
        name,
        open: () => new Promise<Readable>((resolve, reject) => {
          zip.openReadStream(e, (err, stream) => (err ? reject(truncated(`bill zip entry ${name}`, err)) : resolve(stream)));
        }),
      };
    }
  } finally {
    zip.close();
  }
}

export type { CsvRecord } from '../bill-lines.js';

/** No bill line comes near this; a "line" this long is not a bill. */
const MAX_LINE_CHARS = 64 * 1024;

/**
 * The records of a CSV byte stream in `charset`, in batches, with any number of fields per
 * record (bills mix one-cell "#" comment lines with rows of cells). A source stream that
 * fails (a zip entry whose data is short) is RECON.BILL_TRUNCATED; CSV that does not parse is
 * RECON.BILL_ROW_INVALID.
 */
export async function* csvRecords(source: Readable, charset: string, what: string): AsyncGenerator<CsvRecord[]> {
  let sourceError: unknown;
  source.once('error', (err) => { sourceError = err; });
  const decoded = iconv.decodeStream(charset);
  // pipeline destroys every stage on the first error, so the loop below sees it and nothing leaks.
  pipeline(source, decoded, () => undefined);
  const invalid = (line: number, why: string) => new BillError('RECON.BILL_ROW_INVALID', `${what} line ${line}: ${why}`);
  try {
    yield* csvLines(textLines(decoded as AsyncIterable<string>, MAX_LINE_CHARS, (line) => invalid(line, `longer than ${MAX_LINE_CHARS} characters`)), invalid);
  } catch (err) {
    if (err instanceof BillError) throw err;
    if (sourceError !== undefined) throw truncated(what, sourceError);
    throw new BillError('RECON.BILL_ROW_INVALID', `${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (sourceError !== undefined) throw truncated(what, sourceError);
}
