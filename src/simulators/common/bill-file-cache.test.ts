import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BillControls } from './bill-controls.js';
import { BillFileCache } from './bill-file-cache.js';

const read = async (s: Readable) => Buffer.concat(await s.toArray() as Buffer[]);

describe('built bill files', () => {
  it('builds a file once, hashes what it wrote, serves it to every reader, and removes it on close', async () => {
    const cache = new BillFileCache();
    let builds = 0;
    const bytes = Buffer.from('line 1\r\nline 2\r\n'.repeat(10_000));
    const build = () => { builds++; return Readable.from([bytes.subarray(0, 7), bytes.subarray(7)]); };
    const [a, b] = await Promise.all([cache.file('k', build), cache.file('k', build)]);
    expect(builds).toBe(1);
    expect(a).toBe(b);
    expect(a.bytes).toBe(bytes.length);
    expect(a.sha1).toBe(createHash('sha1').update(bytes).digest('hex'));
    expect((await read(a.open())).equals(bytes)).toBe(true);
    expect((await read(a.open())).equals(bytes)).toBe(true);
    const probe = a.open() as fs.ReadStream;
    const file = probe.path as string;
    probe.destroy();
    await cache.close();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('keeps no failed build: the next call builds again', async () => {
    const cache = new BillFileCache();
    const failing = () => new Readable({ read() { this.destroy(new Error('generator broke')); } });
    await expect(cache.file('k', failing)).rejects.toThrow('generator broke');
    expect((await cache.file('k', () => Readable.from([Buffer.from('ok')]))).bytes).toBe(2);
    await cache.close();
  });

  it('serves a built file only for a plain synthetic day; any control change drops the account\'s files', async () => {
    const controls = new BillControls();
    let builds = 0;
    const build = () => { builds++; return Readable.from([Buffer.from(`build ${builds}`)]); };
    expect(controls.builtFile('acc', '2026-11-30', 'zip', build)).toBeUndefined(); // not synthetic
    controls.setSynthetic('acc', '2026-11-30', 10);
    expect((await controls.builtFile('acc', '2026-11-30', 'zip', build))!.bytes).toBe(7);
    await controls.builtFile('acc', '2026-11-30', 'zip', build);
    expect(builds).toBe(1);
    // A next_day discrepancy of the day before bends this day too: no built file for it.
    controls.addDiscrepancy('acc', '2026-11-29', { kind: 'next_day', reference: 'syn2026112900000001' });
    expect(controls.builtFile('acc', '2026-11-30', 'zip', build)).toBeUndefined();
    controls.reset();
    controls.setSynthetic('acc', '2026-11-30', 10);
    await controls.builtFile('acc', '2026-11-30', 'zip', build);
    expect(builds).toBe(2);
    controls.setFault('acc', '2026-11-30', 'truncate');
    expect(controls.builtFile('acc', '2026-11-30', 'zip', build)).toBeUndefined();
    controls.setFault('acc', '2026-11-30', undefined);
    await controls.builtFile('acc', '2026-11-30', 'zip', build);
    expect(builds).toBe(3); // the fault dropped the earlier file
    await controls.close();
  });
});
