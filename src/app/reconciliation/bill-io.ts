/**
 * The app's side of the bill port: signed calls go through the account's resilience policy
 * and token handling like every provider call (callAccount), downloads stream to the run's
 * scratch folder with the configured size cap. Transport trouble becomes a BillError, so a
 * run fails with a code and a message, never with a stray exception.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { BillError, type BillIo } from '../../connectors/bills.js';
import { downloadToFile, DownloadTooLargeError } from '../../infra/http/download.js';
import { TransportError } from '../../infra/http/transport.js';
import type { AppContext } from '../context.js';
import type { LoadedAccount } from '../accounts.js';
import { callAccount } from '../provider-auth.js';
import { parseFile } from './bill-parse.js';

function inside(dir: string, file: string): string {
  const resolved = path.resolve(file);
  if (!resolved.startsWith(path.resolve(dir) + path.sep)) throw new BillError('RECON.BILL_UNAVAILABLE', `the bill source asked for ${file}, outside this run's files`);
  return resolved;
}

export function billIo(ctx: AppContext, acc: LoadedAccount, scratch: string, signal: AbortSignal): BillIo {
  let files = 0;
  const read: BillIo['read'] = async (file, range) => createReadStream(inside(scratch, file), range ?? {});
  return {
    call: (operation, build, parse) => callAccount(ctx, acc, `bill ${operation}`, (cctx) => build(cctx.accessToken ? { accessToken: cctx.accessToken } : {}), (_cctx, res) => parse(res)),
    async download(req) {
      try {
        return await downloadToFile(req, path.join(scratch, `download-${++files}`), {
          // A bill is big: the per-call provider timeout bounds the wait for each chunk, not the whole file.
          timeoutMs: Math.max(ctx.config.PAYGATE_PROVIDER_TIMEOUT_MS, 30_000), maxBytes: ctx.config.PAYGATE_RECON_MAX_BILL_BYTES, signal,
        });
      } catch (err) {
        if (err instanceof DownloadTooLargeError) throw new BillError('RECON.BILL_TOO_LARGE', `${err.message}; raise PAYGATE_RECON_MAX_BILL_BYTES if the account really bills that much a day`);
        if (err instanceof TransportError) throw new BillError('RECON.BILL_UNAVAILABLE', err.message);
        throw err;
      }
    },
    now: () => new Date(ctx.now()),
    // Only files inside the run's scratch folder: a source cannot be talked into reading others.
    read,
    // On a thread of its own on SQLite, whose queries run on this thread; PostgreSQL works in its
    // own process, so this thread parses while it waits, and a second heap would only cost memory.
    parseFile: (format, file, params) => parseFile(format, inside(scratch, file), params, read, ctx.dbh.dialect === 'sqlite' ? { root: scratch } : undefined),
    scratch: (name) => {
      const file = inside(scratch, path.join(scratch, `scratch-${++files}-${name.replace(/[^\w.-]/g, '_')}`));
      return { path: file, write: () => createWriteStream(file) };
    },
  };
}
