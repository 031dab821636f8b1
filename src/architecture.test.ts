/**
 * The dependency rule of ARCHITECTURE.md, checked on every import in src/: domain imports
 * nothing else; connectors only domain (and their own folder / the port); infra never app or
 * http; app never http, cli or simulators; simulators share nothing with the gateway.
 */
import fs from 'node:fs';
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

  it('each simulator is independent of its connector (no shared signing code)', () => {
    for (const file of files(path.join(SRC, 'simulators'))) {
      for (const target of imports(file)) expect(path.relative(SRC, target).startsWith('connectors')).toBe(false);
    }
  });
});
