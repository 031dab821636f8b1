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

export type WorkerMessage =
  | { t: 'rows'; rows: BillRow[] }
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
      yield* m.rows;
    }
  } finally {
    // The consumer stopped (done, a bad row found downstream, an abort): the thread goes with it.
    worker.removeAllListeners('exit');
    await worker.terminate();
  }
}
