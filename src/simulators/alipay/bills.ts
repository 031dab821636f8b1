// The trade bill ("业务明细") as Alipay serves it: a zip holding two GBK-encoded CSV files,
// streamed from the ledger (or a synthetic bill) with the day's BillControls applied.
import type { FastifyInstance } from 'fastify';
import iconv from 'iconv-lite';
import { Readable, Transform } from 'node:stream';
import yazl from 'yazl';
import type { BillFault } from '../common/bill-controls.js';
import { ledgerEntries, syntheticEntries, withDiscrepancies, type BillEntry } from './bill-entries.js';
import { detailLines, summaryLines, totalsOf, type BillMeta } from './bill-text.js';
import type { SimContext } from './context.js';
import { DAY_MS, parseCstDate } from './format.js';
import type { AppRow } from './store.js';

/** bill_download_url lifetime (Alipay: 30 s). */
export const BILL_URL_TTL_MS = 30_000;

export { DETAIL_COLUMNS } from './bill-text.js';

const EOL = '\r\n';
/** Lines are encoded in batches of about this many characters: few small writes, bounded memory. */
const BATCH_CHARS = 64 * 1024;
/** "oversize": a stored padding entry this large goes first, so any download cap trips at once. */
const OVERSIZE_BYTES = 1024 * 1024 * 1024;
/** "truncate": the last bytes held back; more than the central directory of two entries, so the zip cannot be opened. */
const TRUNCATE_BYTES = 512;

function* encoded(lines: Iterable<string>, charset: string): Generator<Buffer> {
  let batch = '';
  for (const line of lines) {
    batch += line + EOL;
    if (batch.length >= BATCH_CHARS) {
      yield iconv.encode(batch, charset);
      batch = '';
    }
  }
  if (batch !== '') yield iconv.encode(batch, charset);
}

function* zeros(bytes: number): Generator<Buffer> {
  const chunk = Buffer.alloc(1024 * 1024);
  for (let left = bytes; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
}

/** Passes everything but the last `keep` bytes: a download that stopped early. */
function dropTail(keep: number): Transform {
  let held = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      held = Buffer.concat([held, chunk]);
      const out = held.length > keep ? held.subarray(0, held.length - keep) : undefined;
      if (out !== undefined) held = Buffer.from(held.subarray(held.length - keep));
      done(null, out);
    },
  });
}

/** The bill account: the seller's PID with Alipay's "0156" suffix. */
const billAccount = (app: AppRow) => `${app.seller_id}0156`;
/** The files' common name: the bill account and the day. */
const billBase = (app: AppRow, date: string) => `${billAccount(app)}_${date.replace(/-/g, '')}`;

/** A plain synthetic day's zip, built once (BillControls.builtFile); undefined for any other day. */
function builtZip(sim: SimContext, app: AppRow, date: string) {
  return sim.billControls.builtFile(app.app_id, date, 'zip', () => billZip(sim, app, date, undefined));
}

/** POST /_bills/synthetic: the day's zip is built then, so downloads only read a file. */
export async function prepareSyntheticBill(sim: SimContext, appId: string, date: string): Promise<void> {
  const app = sim.store.getApp(appId);
  if (app !== undefined && parseCstDate(date) !== null) await builtZip(sim, app, date);
}

/** The bill zip of one app and one GMT+8 day, as a stream; two passes over the entries (totals first), none kept. */
export function billZip(sim: SimContext, app: AppRow, date: string, fault: BillFault | undefined): Readable {
  const from = parseCstDate(date);
  if (from === null) throw new Error(`bad bill date ${date}`);
  const controls = sim.billControls;
  const rows = controls.synthetic(app.app_id, date);
  const entries = (): Iterable<BillEntry> => withDiscrepancies(
    rows !== undefined ? syntheticEntries(date, rows) : ledgerEntries(sim.store, app.app_id, from),
    { controls, store: sim.store, appId: app.app_id, date, from },
  );
  const now = sim.now();
  const meta: BillMeta = { account: billAccount(app), from, to: from + DAY_MS, now };
  const totals = totalsOf(entries());
  // "encoding": the same text written as UTF-8, as a mis-configured export would.
  const charset = fault === 'encoding' ? 'utf8' : 'gbk';
  const base = billBase(app, date);

  const zip = new yazl.ZipFile();
  const mtime = new Date(now);
  if (fault === 'oversize') zip.addReadStream(Readable.from(zeros(OVERSIZE_BYTES)), 'padding.bin', { mtime, compress: false });
  // yazl writes UTF-8 entry names (with the UTF-8 flag set); real Alipay zips use GBK names.
  zip.addReadStream(Readable.from(encoded(detailLines(entries(), meta, totals, fault), charset)), `${base}_业务明细.csv`, { mtime });
  zip.addReadStream(Readable.from(encoded(summaryLines(meta, totals, fault), charset)), `${base}_业务明细(汇总).csv`, { mtime });
  zip.end();
  const out = zip.outputStream as Readable;
  return fault === 'truncate' ? out.pipe(dropTail(TRUNCATE_BYTES)) : out;
}

export function registerBillRoutes(app: FastifyInstance, sim: SimContext): void {
  app.get<{ Params: { token: string } }>('/_bills/:token', async (req, reply) => {
    const grant = sim.bills.resolve(req.params.token, sim.now());
    if (grant === undefined) {
      return reply.code(404).send({ error: { code: 'BILL_NOT_FOUND', message: 'unknown bill download token' } });
    }
    const gone = () => reply.code(410).send({
      error: { code: 'BILL_URL_EXPIRED', message: 'bill_download_url is valid for 30 s; query a new one' },
    });
    if (grant === 'expired') return gone();
    const fault = sim.billControls.fault(grant.appId, grant.date);
    // "url_expired": every URL of that day is already past its 30 s when it is used.
    if (fault === 'url_expired') return gone();
    const appRow = sim.store.getApp(grant.appId);
    if (!appRow) return reply.code(404).send({ error: { code: 'BILL_NOT_FOUND', message: 'app no longer exists' } });
    const built = await builtZip(sim, appRow, grant.date);
    return reply
      .type('application/zip')
      .header('content-disposition', `attachment; filename="${billBase(appRow, grant.date)}.csv.zip"`)
      .send(built !== undefined ? built.open() : billZip(sim, appRow, grant.date, fault));
  });
}
