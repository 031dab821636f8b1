/**
 * The worker thread of bill-parse.ts: runs one file parser and posts its rows in batches,
 * waiting for the consumer's credit, then 'end' or the error that stopped it. Reads only
 * files under the run's folder, as the app's BillIo does.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { billFileParsers } from '../../connectors/bill-files.js';
import { BillError, type BillIo, type BillRow } from '../../connectors/bills.js';
import { BATCH_ROWS, CREDIT, toColumns, type WorkerInput, type WorkerMessage } from './bill-parse.js';

const input = workerData as WorkerInput;
const port = parentPort!;
let credit = CREDIT;
let waiting: (() => void) | undefined;
port.on('message', () => {
  credit++;
  waiting?.();
});

const read: BillIo['read'] = async (file, range) => {
  const resolved = path.resolve(file);
  if (!resolved.startsWith(path.resolve(input.root) + path.sep)) throw new BillError('RECON.BILL_UNAVAILABLE', `the bill parser asked for ${file}, outside this run's files`);
  return createReadStream(resolved, range ?? {});
};

const post = (m: WorkerMessage) => port.postMessage(m);

async function send(rows: BillRow[]): Promise<void> {
  while (credit === 0) await new Promise<void>((resolve) => (waiting = resolve));
  waiting = undefined;
  credit--;
  const columns = toColumns(rows);
  port.postMessage({ t: 'rows', columns } satisfies WorkerMessage, [columns.numbers.buffer as ArrayBuffer]);
}

try {
  let batch: BillRow[] = [];
  for await (const row of billFileParsers[input.format](input.path, input.params, read)) {
    batch.push(row);
    if (batch.length >= BATCH_ROWS) {
      await send(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await send(batch);
  post({ t: 'end' });
} catch (err) {
  post(err instanceof BillError ? { t: 'error', code: err.code, message: err.message } : { t: 'error', code: null, message: err instanceof Error ? err.message : String(err) });
}
port.close();
