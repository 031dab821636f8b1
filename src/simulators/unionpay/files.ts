// Reconciliation files for file transfer (76/01): a zip holding the INN…ZM_… file (GBK
// fixed-width, zm-lines.ts), deflated with zlib and base64-encoded into fileContent, as
// UnionPay answers. The records are generated as a stream (bill-trades.ts) into yazl, which
// computes the entry's CRC-32 as they pass; only the compressed archive is held, because
// the ACP answer carries it inline. The day's bill fault (BillControls) is applied here.
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import yazl from 'yazl';
import type { BillFault } from '../common/bill-controls.js';
import { billPlan } from './bill-trades.js';
import type { SimContext } from './context.js';
import { cstStamp } from './format.js';
import { zmLine, type LineFaults, type ZmTxn } from './zm-lines.js';

export { ZM_WIDTHS, zmLine } from './zm-lines.js';

const deflateAsync = promisify(deflate);
/** oversize: padding far past any real bill (a million records is ~610 MB) and past Paygate's 1 GiB cap. */
export const OVERSIZE_PAD_BYTES = 1024 * 1024 * 1024 + 64 * 1024 * 1024;
/** Records per chunk handed to yazl: a few hundred KB, not one write per line. */
const LINES_PER_CHUNK = 512;

/** yyyy-mm-dd of a settleDate (MMDD): the latest such day not after today in Beijing. */
export function billDate(now: number, settleDate: string): string {
  const today = cstStamp(now);
  const year = Number(today.slice(0, 4));
  const sameYear = settleDate <= today.slice(4, 8);
  return `${sameYear ? year : year - 1}-${settleDate.slice(0, 2)}-${settleDate.slice(2, 4)}`;
}

function* chunks(txns: Generator<ZmTxn>, fault: BillFault | undefined): Generator<Buffer> {
  let batch: Buffer[] = [];
  let first = true;
  for (const t of txns) {
    // bad_amount / bad_date damage the first record; encoding writes every record in UTF-8.
    const faults: LineFaults = { utf8: fault === 'encoding', badAmount: first && fault === 'bad_amount', badDate: first && fault === 'bad_date' };
    first = false;
    batch.push(zmLine(t, faults));
    if (batch.length === LINES_PER_CHUNK) {
      yield Buffer.concat(batch);
      batch = [];
    }
  }
  if (batch.length > 0) yield Buffer.concat(batch);
  if (fault === 'oversize') {
    const pad = Buffer.alloc(1024 * 1024, 0x20);
    for (let n = 0; n < OVERSIZE_PAD_BYTES; n += pad.length) yield pad;
  }
}

function zip(name: string, records: Readable, mtime: Date, compressionLevel: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = new yazl.ZipFile();
    z.addReadStream(records, name, { mtime, compressionLevel });
    z.end();
    const out: Buffer[] = [];
    records.on('error', reject);
    z.outputStream.on('data', (c: Buffer) => out.push(c));
    z.outputStream.on('error', reject);
    z.outputStream.on('end', () => resolve(Buffer.concat(out)));
  });
}

/** hash_mismatch: the first central-directory entry's CRC-32 no longer matches its data. */
function wrongCrc(archive: Buffer): Buffer {
  const copy = Buffer.from(archive);
  const eocd = copy.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const cd = copy.readUInt32LE(eocd + 16);
  copy.writeUInt32LE((copy.readUInt32LE(cd + 16) ^ 0x5a5a5a5a) >>> 0, cd + 16);
  return copy;
}

/** The archive as the fault of the day leaves it. */
function damaged(archive: Buffer, fault: BillFault | undefined): Buffer {
  if (fault === 'truncate') return archive.subarray(0, Math.floor(archive.length * 0.6));
  if (fault === 'hash_mismatch') return wrongCrc(archive);
  return archive;
}

/**
 * Faults: no_bill (98), truncate (zip cut short), hash_mismatch (CRC-32), encoding (UTF-8
 * records), bad_amount, bad_date, header_changed (the ZM file renamed ZMX_), oversize
 * (padding). url_expired and totals do not apply: the file is inline and has no totals.
 */
export async function reconciliationFile(sim: SimContext, merId: string, settleDate: string): Promise<{ name: string; content: string } | undefined> {
  const date = billDate(sim.now(), settleDate);
  const fault = sim.bills.fault(merId, date);
  if (fault === 'no_bill') return undefined;
  const plan = billPlan(sim, sim.bills, merId, date, settleDate);
  if (!plan.any) return undefined;
  const yymmdd = `${date.slice(2, 4)}${settleDate}`;
  const entry = `INN${yymmdd}88${fault === 'header_changed' ? 'ZMX' : 'ZM'}_${merId}`;
  const records = Readable.from(chunks(plan.txns(), fault), { objectMode: false });
  // Level 1 for the padding: gigabytes of spaces, compressed fast.
  const archive = await zip(entry, records, new Date(sim.now()), fault === 'oversize' ? 1 : 6);
  const content = (await deflateAsync(damaged(archive, fault))).toString('base64');
  return { name: `${merId}_${yymmdd}.zip`, content };
}
