/**
 * BillIo.parseFile for the app: a bill file's parser runs on a worker thread, so unpacking,
 * decoding and parsing a million-row file (about half of a run's CPU time) overlaps the
 * lookups and writes of the rows before it, on the main thread. The rows, their order and
 * every BillError are the parser's own; a slow consumer holds the parser back (at most
 * CREDIT batches wait), so memory stays flat. Source run by vitest (TypeScript, which a worker
 * cannot load) parses in process, the same table and the same code.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { billFileParsers } from '../../connectors/bill-files.js';
import { BillError, type BillErrorCode, type BillFileFormat, type BillFileParams, type BillIo, type BillRow } from '../../connectors/bills.js';

/** Batches the worker may have sent that the consumer has not taken yet. */
export const CREDIT = 4;
/** Rows per message from the worker. */
export const BATCH_ROWS = 1000;

/**
 * A batch of rows as columns: numbers in one Float64Array (moved, not copied) and strings in
 * arrays. Rows as objects cost the receiving thread about twice as much to deserialise, and
 * the receiving thread is the one matching and writing.
 */
export interface RowColumns {
  numbers: Float64Array;
  kind: BillRow['kind'][]; status: BillRow['status'][]; currency: string[];
  reference: (string | null)[]; providerTransactionId: (string | null)[]; refundReference: (string | null)[]; providerRefundId: (string | null)[];
}
/** line, amount, fee (NaN: none), occurredAt per row. */
const NUMBERS = 4;

export function toColumns(rows: readonly BillRow[]): RowColumns {
  const n = rows.length;
  const c: RowColumns = { numbers: new Float64Array(n * NUMBERS), kind: [], status: [], currency: [], reference: [], providerTransactionId: [], refundReference: [], providerRefundId: [] };
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    c.numbers[i * NUMBERS] = r.line;
    c.numbers[i * NUMBERS + 1] = r.amount;
    c.numbers[i * NUMBERS + 2] = r.fee ?? Number.NaN;
    c.numbers[i * NUMBERS + 3] = r.occurredAt;
    c.kind.push(r.kind); c.status.push(r.status); c.currency.push(r.currency);
    c.reference.push(r.reference); c.providerTransactionId.push(r.providerTransactionId); c.refundReference.push(r.refundReference); c.providerRefundId.push(r.providerRefundId);
  }
  return c;
}

export function fromColumns(c: RowColumns): BillRow[] {
  const n = c.kind.length;
  const rows = new Array<BillRow>(n);
  for (let i = 0; i < n; i++) {
    const fee = c.numbers[i * NUMBERS + 2]!;
    rows[i] = {
      line: c.numbers[i * NUMBERS]!, kind: c.kind[i]!, reference: c.reference[i]!, providerTransactionId: c.providerTransactionId[i]!,
      refundReference: c.refundReference[i]!, providerRefundId: c.providerRefundId[i]!, status: c.status[i]!,
      amount: c.numbers[i * NUMBERS + 1]!, currency: c.currency[i]!, fee: Number.isNaN(fee) ? null : fee, occurredAt: c.numbers[i * NUMBERS + 3]!,
    };
  }
  return rows;
}

export type WorkerMessage =
  | { t: 'rows'; columns: RowColumns }
  | { t: 'end' }
  | { t: 'error'; code: BillErrorCode | null; message: string };

export interface WorkerInput { format: BillFileFormat; path: string; params: BillFileParams; root: string }

const workerFile = new URL('./bill-parse-worker.js', import.meta.url);
/** A worker runs compiled JavaScript only: dist/ has it, src/ under vitest does not. */
export const canParseOffThread = (): boolean => import.meta.url.endsWith('.js');

export function parseFile(format: BillFileFormat, path: string, params: BillFileParams, read: BillIo['read'], offThread: { root: string } | undefined): AsyncIterable<BillRow> {
  if (offThread === undefined || !canParseOffThread()) return billFileParsers[format](path, params, read);
  return parseOnWorker({ format, path, params, root: offThread.root });
}

async function* parseOnWorker(input: WorkerInput): AsyncGenerator<BillRow> {
  const worker = new Worker(fileURLToPath(workerFile), { workerData: input });
  const queue: WorkerMessage[] = [];
  let wake: (() => void) | undefined;
  const push = (m: WorkerMessage) => {
    queue.push(m);
    wake?.();
  };
  worker.on('message', push);
  worker.on('error', (err) => push({ t: 'error', code: null, message: `bill parser thread: ${err.message}` }));
  worker.on('exit', (code) => push({ t: 'error', code: null, message: `bill parser thread exited (${code}) before the end of the file` }));
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      const m = queue.shift()!;
      if (m.t === 'end') return;
      if (m.t === 'error') throw m.code === null ? new Error(m.message) : new BillError(m.code, m.message);
      worker.postMessage('credit');
      yield* fromColumns(m.columns);
    }
  } finally {
    // The consumer stopped (done, a bad row found downstream, an abort): the thread goes with it.
    worker.removeAllListeners('exit');
    await worker.terminate();
  }
}
