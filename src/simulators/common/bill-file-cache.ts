/**
 * Built bill files on disk. A provider builds a day's bill once, after the day closes, and
 * serves the same file to every download; a simulator that generated a million-row bill
 * anew for each request (and once more just to hash it, for WeChat Pay) spent seconds of
 * the process's CPU per download — inside the gateway's own event loop when the simulators
 * are mounted in Paygate, where it was counted as Paygate's reconciliation time.
 *
 * A file is written from its stream once, hashed while it is written, and then served with
 * createReadStream: constant memory whatever its size. Entries are dropped when the day's
 * controls change (BillControls) and the directory is removed on close.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface BuiltBill {
  /** Bytes of the file. */
  readonly bytes: number;
  /** Lower-case hex SHA1 of the file's bytes (WeChat Pay's hash_value). */
  readonly sha1: string;
  /** A fresh stream over the file. */
  open(): Readable;
}

export class BillFileCache {
  #dir: Promise<string> | undefined;
  readonly #built = new Map<string, Promise<BuiltBill & { file: string }>>();
  #seq = 0;

  /** The file for `key`, built from `build()` on first use; concurrent callers share one build. */
  file(key: string, build: () => Readable): Promise<BuiltBill> {
    let entry = this.#built.get(key);
    if (entry === undefined) {
      entry = this.#write(build);
      this.#built.set(key, entry);
      // A failed build is not kept: the next download tries again.
      entry.catch(() => { if (this.#built.get(key) === entry) this.#built.delete(key); });
    }
    return entry;
  }

  /** Forgets (and deletes) every file whose key starts with `prefix`. */
  drop(prefix: string): void {
    for (const [key, entry] of this.#built) {
      if (!key.startsWith(prefix)) continue;
      this.#built.delete(key);
      // A download already streaming the file keeps its open descriptor; unlinking is safe.
      entry.then((b) => fs.rm(b.file, { force: true }), () => undefined).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.#built.clear();
    const dir = this.#dir;
    this.#dir = undefined;
    if (dir !== undefined) await fs.rm(await dir, { recursive: true, force: true });
  }

  async #write(build: () => Readable): Promise<BuiltBill & { file: string }> {
    this.#dir ??= fs.mkdtemp(path.join(os.tmpdir(), 'paygate-sim-bills-'));
    const file = path.join(await this.#dir, `bill-${++this.#seq}`);
    const hash = createHash('sha1');
    let bytes = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(build(), tap, createWriteStream(file));
    } catch (err) {
      await fs.rm(file, { force: true });
      throw err;
    }
    const sha1 = hash.digest('hex');
    return { file, bytes, sha1, open: () => createReadStream(file) };
  }
}
