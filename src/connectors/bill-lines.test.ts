import { parse } from 'csv-parse/sync';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { csvLines, textLines, type CsvRecord } from './bill-lines.js';

const tooLong = (line: number) => new Error(`too long at ${line}`);
const invalid = (line: number, why: string) => new Error(`invalid at ${line}: ${why}`);

/** The records of `text` fed in chunks of `size` characters (every chunk boundary is exercised). */
async function records(text: string, size: number): Promise<CsvRecord[]> {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  const out: CsvRecord[] = [];
  for await (const batch of csvLines(textLines(Readable.from(chunks), 1000, tooLong), invalid)) out.push(...batch);
  return out;
}

describe('bill lines', () => {
  // The oracle: csv-parse over the whole text with the options the bill readers used before.
  const oracle = (text: string) => parse(text, { relax_column_count: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n'] }) as string[][];
  const samples = [
    '#支付宝业务明细查询\r\n#账号：[20880000]\r\na,b,c\r\n1, 2 ,3\t\r\n\r\n#交易合计：1笔\r\n',
    'x,"quoted, with comma",y\n"multi\nline",z\n"say ""hi""",,\n',
    'no,final,newline',
    ',,\n,\n\n\nlast,',
    'lone\rcr,stays\n',
  ];
  for (const [i, text] of samples.entries()) {
    it(`reads sample ${i} as csv-parse does, whatever the chunking`, async () => {
      for (const size of [1, 2, 3, 7, 1000]) {
        const got = await records(text, size);
        expect(got.map((r) => r.fields)).toEqual(oracle(text));
        for (const r of got) expect(r.text).toBe(r.fields.join(','));
      }
    });
  }

  it('numbers lines from 1, a record by the line it ends on, counting empty lines', async () => {
    const got = await records('a\r\n\r\n"b\nc",d\ne', 4);
    expect(got.map((r) => [r.fields, r.line])).toEqual([[['a'], 1], [['b\nc', 'd'], 4], [['e'], 5]]);
  });

  it('refuses a line past the limit before holding it, and broken quoting with the line', async () => {
    await expect(records(`ok\n${'x'.repeat(1001)}\n`, 100)).rejects.toThrow('too long at 2');
    await expect(records('a\n"open,\nnever closed\n', 5)).rejects.toThrow(/invalid at 2: a quoted cell/);
    await expect(records('a\nb"c"d,"e\n', 5)).rejects.toThrow(/invalid at 2: /);
  });
});
