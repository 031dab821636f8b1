/**
 * The dependency rule of ARCHITECTURE.md, checked on every import in src/: domain imports
 * nothing else; connectors only domain (and their own folder / the port); infra never app or
 * http; app never http, cli or simulators; simulators share nothing with the gateway. And no
 * import cycles anywhere in src/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname);

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? files(p) : d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [p] : [];
  });
}

function layerOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0] ?? '';
}

const ALLOWED: Record<string, string[]> = {
  domain: ['domain'],
  connectors: ['connectors', 'domain'],
  infra: ['infra', 'domain', 'connectors'], // transport speaks the connectors' wire types
  app: ['app', 'domain', 'connectors', 'infra'],
  http: ['http', 'app', 'domain', 'infra', 'connectors'],
  simulators: ['simulators'],
};

/** Relative imports of a file (type-only ones too: a type cycle still ties two modules together). */
function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)].map((m) => path.resolve(path.dirname(file), m[1]!));
}

describe('dependency rule', () => {
  it('every import points down the layer list', () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const layer = layerOf(file);
      const allowed = ALLOWED[layer];
      if (!allowed) continue; // entry points (cli, runtime, sandbox, bench) may wire anything
      for (const target of imports(file)) {
        const tl = layerOf(target);
        if (!allowed.includes(tl)) violations.push(`${path.relative(SRC, file)} → ${path.relative(SRC, target)}`);
      }
      if (layer === 'connectors' || layer === 'domain') {
        const text = fs.readFileSync(file, 'utf8');
        for (const io of ['node:fs', 'node:http', 'undici', 'kysely', 'fastify']) if (text.includes(`'${io}'`)) violations.push(`${path.relative(SRC, file)} imports ${io}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('http and cli never import infra/db: they reach data through use cases in app/', () => {
    const violations: string[] = [];
    for (const layer of ['http', 'cli']) {
      for (const file of files(path.join(SRC, layer))) {
        for (const target of imports(file)) if (path.relative(SRC, target).startsWith(path.join('infra', 'db'))) violations.push(`${path.relative(SRC, file)} → ${path.relative(SRC, target)}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('each simulator is independent of its connector (no shared signing code)', () => {
    for (const file of files(path.join(SRC, 'simulators'))) {
      for (const target of imports(file)) expect(path.relative(SRC, target).startsWith('connectors')).toBe(false);
    }
  });
});


/** The import graph's strongly connected components of more than one file (or a file importing itself): Tarjan's algorithm. */
function importCycles(all: string[]): string[][] {
  const known = new Set(all);
  const edges = new Map(all.map((f) => [f, imports(f).map((t) => t.replace(/\.js$/, '.ts')).filter((t) => known.has(t))]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) {
      onStack.delete(w);
      component.push(w);
    }
    if (component.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(component.map((f) => path.relative(SRC, f)).sort());
  };
  for (const f of all) if (!index.has(f)) visit(f);
  return found;
}

describe('no import cycles', () => {
  it('the import graph of src/ has no cycle (type-only imports count)', () => {
    expect(importCycles(files(SRC))).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-cycle-probe-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = b;\n");
      fs.writeFileSync(path.join(dir, 'b.ts'), "import type { a } from './a.js';\nexport const b: typeof a | 1 = 1;\n");
      fs.writeFileSync(path.join(dir, 'c.ts'), "import { a } from './a.js';\nexport const c = a;\n");
      const rel = path.relative(SRC, dir);
      expect(importCycles(files(dir))).toEqual([[`${rel}/a.ts`, `${rel}/b.ts`]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
