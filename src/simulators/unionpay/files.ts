// Reconciliation files for file transfer (76/01): a zip holding the INN...ZM_... file,
// GBK fixed-width, deflated with zlib and base64-encoded into fileContent. Field widths are
// unionpay.md's; which fields the sandbox fills is documented at ZM_FIELDS.
import { deflateSync } from 'node:zlib';
import iconv from 'iconv-lite';
import yazl from 'yazl';
import type { SimContext } from './context.js';
import { cstStamp } from './format.js';
import type { TxnRow } from './store.js';

export const ZM_WIDTHS = [3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4, 32, 1, 21, 15, 1, 15, 32, 13, 13, 8, 32, 13, 13, 12, 2, 1, 131];

/** Transaction codes in field #1 (sandbox choice; the real code table is in the ACP appendix). */
const TXN_CODE: Record<string, string> = { '01': 'S22', '04': 'S30', '31': 'S31' };

/** Pads (or cuts) to a byte width in GBK, never splitting a two-byte character. */
function gbkField(text: string, width: number, alignRight = false): Buffer {
  let bytes = iconv.encode(text, 'gbk');
  while (bytes.length > width) {
    text = text.slice(0, -1);
    bytes = iconv.encode(text, 'gbk');
  }
  const pad = Buffer.alloc(width - bytes.length, alignRight ? '0' : ' ');
  return alignRight ? Buffer.concat([pad, bytes]) : Buffer.concat([bytes, pad]);
}

export function zmLine(txn: TxnRow, orig: TxnRow | undefined): Buffer {
  const at = txn.completed_at ?? txn.created_at;
  const values: Record<number, [string, boolean?]> = {
    1: [TXN_CODE[txn.txn_type] ?? 'S22'],
    2: ['00000000'],
    3: ['00000000'],
    4: [txn.trace_no ?? '000000'],
    5: [cstStamp(at).slice(4)],
    6: ['6216********0000'],
    7: [String(txn.txn_amt), true],
    8: ['5311'],
    9: ['08'],
    10: [txn.query_id],
    12: [txn.order_id],
    15: [orig ? cstStamp(orig.completed_at ?? orig.created_at).slice(4) : ''],
    17: [String(txn.txn_amt), true],
    20: [txn.txn_type],
    21: [txn.txn_sub_type],
    22: ['000000'],
    27: [orig?.query_id ?? ''],
    28: [txn.mer_id],
    // A Chinese value, so readers must slice GBK bytes rather than characters.
    31: ['银联沙箱商户'],
  };
  const parts: Buffer[] = [];
  ZM_WIDTHS.forEach((width, i) => {
    const [text = '', right = false] = values[i + 1] ?? [];
    if (i > 0) parts.push(Buffer.from(' '));
    parts.push(gbkField(text, width, right && text !== ''));
  });
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

function zip(name: string, data: Buffer, mtime: Date): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = new yazl.ZipFile();
    z.addBuffer(data, name, { mtime });
    z.end();
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c));
    z.outputStream.on('error', reject);
    z.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

export async function reconciliationFile(sim: SimContext, merId: string, settleDate: string): Promise<{ name: string; content: string } | undefined> {
  const txns = sim.store.listSettled(merId, settleDate);
  if (txns.length === 0) return undefined;
  const body = Buffer.concat(txns.map((t) => zmLine(t, t.orig_id === null ? undefined : sim.store.getTxn(t.orig_id))));
  const yymmdd = `${cstStamp(sim.now()).slice(2, 4)}${settleDate}`;
  const archive = await zip(`INN${yymmdd}88ZM_${merId}`, body, new Date(sim.now()));
  return { name: `${merId}_${yymmdd}.zip`, content: deflateSync(archive).toString('base64') };
}
