/**
 * UnionPay's bill: one signed file transfer (76/01) for the settle day. The answer carries
 * the file itself (base64 → zlib → zip → INN…ZM_… records), so there is no download step;
 * from the verified answer on, the file is streamed: inflated to a temporary zip, its ZM
 * entry read record by record. A ZM file has no totals line and the ACP answer no totals
 * field: completeness is the zip entry's CRC-32 and size, checked when the entry ends and
 * so before the iterator finishes (zip.ts).
 */
import { BillError, billUnavailable, isBillDay, type BillIo, type BillRow, type BillSource } from '../bills.js';
import type { ConnectorContext } from '../types.js';
import { zmBillRow } from './bill-rows.js';
import type { UnionpayCredentials } from './credentials.js';
import { buildFileTransfer, parseFileTransfer, type FileTransferResult } from './file-transfer.js';
import { failure } from './order.js';
import { inflateToFile, readZip } from './zip.js';
import { parseZmFile } from './zm-file.js';

const STEP = 'file transfer (76/01)';
/** A ZM file of a million records is ~610 MB; past 1 GiB it is not a bill (the simulator's oversize fault pads past it). */
export const UNIONPAY_BILL_MAX_BYTES = 1024 * 1024 * 1024;

/** INN + yymmdd + 2 digits + ZM_ + merId: the merchant's transaction file (others in the zip are not read). */
const zmEntryFor = (merId: string) => new RegExp(`(^|/)INN\\d{8}ZM_${merId}$`);

export interface UnionpayBillOptions {
  /** Cap on the inflated archive and on the ZM entry, in bytes. */
  maxBytes?: number;
}

export function unionpayBillSource(opts: UnionpayBillOptions = {}): BillSource<UnionpayCredentials> {
  const maxBytes = opts.maxBytes ?? UNIONPAY_BILL_MAX_BYTES;
  return {
    utcOffsetMinutes: 480,
    readyAt: '09:00',
    rows: (io, ctx, day) => rows(io, ctx, day, maxBytes),
  };
}

export const unionpayBills: BillSource<UnionpayCredentials> = unionpayBillSource();

async function* rows(io: BillIo, ctx: ConnectorContext<UnionpayCredentials>, day: string, maxBytes: number): AsyncGenerator<BillRow> {
  if (!isBillDay(day)) throw billUnavailable(STEP, failure('VALIDATION.INVALID_BODY', `bill day must be yyyy-mm-dd, got ${JSON.stringify(day)}`));
  // The run's scratch file (BillIo.scratch): the app owns it and deletes it with the run.
  const zip = io.scratch('bill.zip');
  // respCode 98: no transactions that day, so no file and no rows.
  if (!(await fetchZip(io, ctx, day, zip, maxBytes))) return;
  yield* io.parseFile('unionpay', zip.path, { merId: ctx.credentials.merId, day, maxBytes });
}

/**
 * The answer text is the largest thing this source ever holds (the protocol puts the file
 * in it): it lives only in this function, which returns once the zip is on disk.
 */
async function fetchZip(io: BillIo, ctx: ConnectorContext<UnionpayCredentials>, day: string, zip: { write(): NodeJS.WritableStream }, maxBytes: number): Promise<boolean> {
  const settleDate = `${day.slice(5, 7)}${day.slice(8, 10)}`;
  const answer: FileTransferResult = await io.call(STEP, () => buildFileTransfer(ctx, settleDate), (res) => parseFileTransfer(ctx, res));
  if (!answer.ok) throw billUnavailable(STEP, answer);
  if ('noFile' in answer) return false;
  await inflateToFile(answer.fileContent, zip.write(), maxBytes);
  return true;
}

/** The rows of the ZM file in the archive at `zipPath` (BillIo.parseFile 'unionpay'). */
export async function* zmRows(zipPath: string, merId: string, day: string, maxBytes: number): AsyncGenerator<BillRow> {
  const zip = await readZip(zipPath);
  try {
    const wanted = zmEntryFor(merId);
    const zm = zip.entries.filter((e) => wanted.test(e.name));
    const names = zip.entries.map((e) => e.name).join(', ') || '(none)';
    if (zm.length !== 1) throw new BillError('RECON.BILL_HEADER_CHANGED', `the archive must hold one INN…ZM_${merId} file, it holds: ${names}`);
    const entry = zm[0]!;
    if (entry.uncompressedSize > maxBytes) throw new BillError('RECON.BILL_TOO_LARGE', `${entry.name} is ${entry.uncompressedSize} bytes, more than ${maxBytes}`);
    for await (const record of parseZmFile(await zip.open(entry.name))) yield zmBillRow(record, day);
  } finally {
    zip.close();
  }
}
