/**
 * WeChat Pay's trade bill as a BillSource (contract in ../bills.ts):
 *   1. GET /v3/bill/tradebill?bill_date=…&bill_type=ALL&tar_type=GZIP (signed, answer signed)
 *      → {hash_type: SHA1, hash_value, download_url}, or NO_STATEMENT_EXIST: no rows;
 *   2. a signed GET of download_url (the answer is NOT signed) → a gzip file on disk;
 *   3. SHA1 of the downloaded bytes against hash_value, before any row is read: the hash is
 *      the only thing that ties the file to the signed answer;
 *   4. file → gunzip → strict UTF-8 (BOM) → lines cut on commas → backtick-stripped cells → BillRows,
 *      then the summary line against the sums of the lines.
 */
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { textLines } from '../bill-lines.js';
import { BillError, billUnavailable, type BillRow, type BillSource, type DownloadedFile } from '../bills.js';
import type { WechatpayCredentials } from './credentials.js';
import { buildBillDownload, buildTradeBill, digestMatches, parseTradeBill, TRADE_BILL } from './bill.js';
import { BILL_COLUMNS, billRow, BillTotals, invalid, SUMMARY_COLUMNS } from './bill-rows.js';
import { fileDigest, fileHead, StrictUtf8, type FileReader } from './bill-stream.js';

const LABEL = 'WeChat Pay bill';
/** Far longer than any real line (27 short cells); a file without line breaks fails here, not in memory. */
const MAX_LINE_CHARS = 64 * 1024;

export const wechatpayBills: BillSource<WechatpayCredentials> = {
  utcOffsetMinutes: 480,
  readyAt: '10:00',
  async *rows(io, ctx, day) {
    const meta = await io.call(TRADE_BILL, () => buildTradeBill(ctx, day, { billType: 'ALL', gzip: true }), (res) => parseTradeBill(ctx, res));
    if (!meta.ok) throw billUnavailable(TRADE_BILL, meta);
    if (meta.noBill === true) return;
    // Signed at download time: the first call may have waited out a retry, and WeChat Pay refuses timestamps 5 minutes off.
    const req = buildBillDownload({ ...ctx, now: io.now() }, meta.downloadUrl);
    if ('ok' in req) throw billUnavailable('bill download', req);
    const file = await io.download(req);
    await checkDownload(io.read, file);
    const digest = await fileDigest(io.read, file.path, 'sha1');
    if (!digestMatches(digest, meta.hashValue)) {
      throw new BillError('RECON.BILL_HASH_MISMATCH', `${LABEL}: SHA1 ${digest.toString('hex')} of the ${file.bytes} downloaded bytes differs from the signed hash_value ${meta.hashValue}: the file was altered or cut short on the way; run again`);
    }
    yield* io.parseFile('wechatpay', file.path, {});
  },
};

async function checkDownload(read: FileReader, file: DownloadedFile): Promise<void> {
  if (file.status === 200) return;
  const head = await fileHead(read, file.path, 4096);
  let said = head.slice(0, 200);
  try {
    const body = JSON.parse(head) as { code?: unknown; message?: unknown };
    said = `${String(body.code)} ${String(body.message)}`;
  } catch {
    // not JSON: quote the start of the body as it is
  }
  const where = `${LABEL} download: HTTP ${file.status} ${said}`;
  // download_url lives 30 s and is good for one merchant: any other refusal means "ask for a new one".
  if (file.status >= 400 && file.status < 500 && file.status !== 401 && file.status !== 429) {
    throw new BillError('RECON.BILL_URL_EXPIRED', `${where}: the download_url expired or is not valid; run again (it asks for a new URL)`);
  }
  throw new BillError('RECON.BILL_UNAVAILABLE', where);
}

/** Every cell starts with a backtick; a piece without one is the rest of a cell that held a comma. */
function joinCells(record: readonly string[], line: number): string[] {
  const out: string[] = [];
  for (const piece of record) {
    if (piece.startsWith('`')) out.push(piece.slice(1));
    else if (out.length === 0) throw invalid(line, 'the line does not start with a backtick');
    else out[out.length - 1] += `,${piece}`;
  }
  return out;
}

function checkHeader(found: readonly string[], expected: readonly string[], what: string): void {
  if (found.length === expected.length && found.every((c, i) => c === expected[i])) return;
  const changed = expected.flatMap((c, i) => (found[i] === c ? [] : [`column ${i + 1} ${JSON.stringify(found[i] ?? null)} (expected ${c})`]));
  const extra = found.length > expected.length ? [`${found.length - expected.length} extra column(s)`] : [];
  throw new BillError('RECON.BILL_HEADER_CHANGED', `${LABEL}: the ${what} changed: ${[...changed, ...extra].join('; ')}; the bill format must be reviewed before it is reconciled`);
}

function mapStreamError(err: unknown): BillError {
  if (err instanceof BillError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (code.startsWith('Z_') || code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return new BillError('RECON.BILL_TRUNCATED', `${LABEL}: the gzip file is cut short or damaged (${String(e.message)}); run again`);
  }
  return new BillError('RECON.BILL_UNAVAILABLE', `${LABEL}: reading the downloaded file failed: ${String(e.message ?? err)}`);
}

type Stage = 'header' | 'lines' | 'summary' | 'done';

/** Streams a downloaded (gzip) trade bill: flat memory whatever its size. */
export async function* parseTradeBillFile(read: FileReader, path: string): AsyncGenerator<BillRow> {
  // No quotes in this format (cells are backtick-prefixed, never quoted), so one record is one
  // line, cut on commas (../bill-lines.ts): csv-parse with quote:false read a third as fast.
  const source = await read(path);
  const text = new StrictUtf8(LABEL, true);
  // Errors of every stage end up in the last one, so iterating it raises them.
  pipeline(source, createGunzip(), text, () => undefined);
  const totals = new BillTotals();
  let stage: Stage = 'header';
  try {
    for await (const batch of textLines(text as AsyncIterable<string>, MAX_LINE_CHARS, (line) => invalid(line, `longer than ${MAX_LINE_CHARS} characters`))) for (const { text: lineText, line } of batch) {
      if (lineText === '') continue; // an empty line
      const record = lineText.split(',');
      if (stage === 'header') {
        checkHeader(record, BILL_COLUMNS, 'header line');
        stage = 'lines';
      } else if (stage === 'lines' && record[0] === SUMMARY_COLUMNS[0]) {
        checkHeader(record, SUMMARY_COLUMNS, 'summary header');
        stage = 'summary';
      } else if (stage === 'lines') {
        const cells = joinCells(record, line);
        if (cells.length !== BILL_COLUMNS.length) throw invalid(line, `${cells.length} cells, the header has ${BILL_COLUMNS.length}`);
        const row = billRow(cells, line);
        totals.add(cells, line);
        yield row;
      } else if (stage === 'summary') {
        const cells = joinCells(record, line);
        if (cells.length !== SUMMARY_COLUMNS.length) throw invalid(line, `summary line has ${cells.length} cells, its header ${SUMMARY_COLUMNS.length}`);
        const wrong = totals.differences(cells, line);
        if (wrong.length > 0) throw new BillError('RECON.BILL_TOTALS_MISMATCH', `${LABEL}: the summary disagrees with the lines: ${wrong.join('; ')}`);
        stage = 'done';
      } else {
        throw invalid(line, 'content after the summary line');
      }
    }
  } catch (err) {
    throw mapStreamError(err);
  } finally {
    source.destroy();
  }
  if (stage !== 'done') throw new BillError('RECON.BILL_TRUNCATED', `${LABEL}: the file ends before its summary line (${stage === 'summary' ? 'summary header without a row' : 'no summary'}); run again`);
}
