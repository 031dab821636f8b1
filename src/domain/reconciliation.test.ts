import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIFFERENCE_CLASSES, DIFFERENCE_TABLE } from './reconciliation.js';
import { ERROR_CATALOG } from './errors.js';

const DOC = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/reconciliation.md'), 'utf8');

describe('reconciliation classes', () => {
  it('the table has a row for every class and nothing else', () => {
    expect(Object.keys(DIFFERENCE_TABLE).sort()).toEqual([...DIFFERENCE_CLASSES].sort());
    // A junk key is not a class.
    expect(Object.hasOwn(DIFFERENCE_TABLE, 'toString')).toBe(false);
  });

  it('docs/reconciliation.md explains exactly these classes, and every RECON error code', () => {
    const documented = [...DOC.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...DIFFERENCE_CLASSES].sort());
    // The bill errors: the RECON namespace's codes about a bill (not the run ones).
    const codes = Object.keys(ERROR_CATALOG).filter((c) => c.split('.')[0] === 'RECON' && c.split('.')[1]!.startsWith('BILL'));
    for (const c of codes) expect(DOC, c).toContain(`\`${c}\``);
  });
});
