/**
 * Stream pieces of the WeChat Pay bill reader: a SHA1 over a file without holding it, a
 * strict UTF-8 decoder (a GBK or damaged file must fail, not turn into U+FFFD and parse),
 * and the first bytes of an error answer. Provider-neutral: candidates for connectors/common.
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BillError, type BillIo } from '../bills.js';

/** The run's file reader (BillIo.read): the app owns the files, the source only streams them. */
export type FileReader = BillIo['read'];

export async function fileDigest(read: FileReader, path: string, algorithm: string): Promise<Buffer> {
  const hash = createHash(algorithm);
  for await (const chunk of await read(path)) hash.update(chunk as Buffer);
  return hash.digest();
}

/** At most `max` bytes of a file as UTF-8 text (an error answer saved by io.download). */
export async function fileHead(read: FileReader, path: string, max: number): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of await read(path, { start: 0, end: Math.max(0, max - 1) })) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Bytes → UTF-8 text, failing with RECON.BILL_ENCODING on the first invalid sequence.
 * With `bom` the text must start with U+FEFF, which is dropped.
 */
export class StrictUtf8 extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private started = false;

  constructor(private readonly label: string, private readonly bom: boolean) {
    super({ readableObjectMode: true });
  }

  private text(chunk: Uint8Array | undefined, callback: TransformCallback): void {
    let text: string;
    try {
      text = chunk === undefined ? this.decoder.decode() : this.decoder.decode(chunk, { stream: true });
    } catch {
      callback(new BillError('RECON.BILL_ENCODING', `${this.label}: the file is not valid UTF-8 (the provider writes UTF-8${this.bom ? ' with a BOM' : ''}); was it re-encoded, e.g. as GBK?`));
      return;
    }
    if (!this.started && (text !== '' || chunk === undefined)) {
      this.started = true;
      if (this.bom) {
        if (!text.startsWith('\uFEFF')) {
          callback(new BillError('RECON.BILL_ENCODING', `${this.label}: the file does not start with the UTF-8 BOM the provider writes`));
          return;
        }
        text = text.slice(1);
      }
    }
    callback(null, text === '' ? undefined : text);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.text(chunk, callback);
  }

  override _flush(callback: TransformCallback): void {
    this.text(undefined, callback);
  }
}
