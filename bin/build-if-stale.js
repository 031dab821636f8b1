#!/usr/bin/env node
// `npm start` and `npm run build`: compile src/ to dist/ with tsc, but on `--if-stale` only
// when a source or a tsconfig is newer than the last good build, so a restart serves in a
// second or two instead of spending ~25 s re-compiling what has not changed. The stamp
// (dist/.build-stamp) is written only after tsc exits 0: tsc emits even when it reports type
// errors, and that dist must not count as built. tsc's own incremental state
// (dist/.tsbuildinfo) makes a real rebuild re-check only what changed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const stamp = path.join(root, 'dist', '.build-stamp');
// What tsconfig.build.json compiles: everything under src/ but tests and test support, and
// the JSON the sources import (the cashier's locales/*.json), which tsc copies to dist/.
const isInput = (rel) => (rel.endsWith('.ts') || rel.endsWith('.json')) && !rel.endsWith('.test.ts') && !rel.endsWith('testkit.ts') && !rel.startsWith(`test-support${path.sep}`);

function newestInputMs() {
  let newest = 0;
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) newest = Math.max(newest, fs.statSync(path.join(root, f)).mtimeMs);
  for (const rel of fs.readdirSync(path.join(root, 'src'), { recursive: true })) {
    if (isInput(rel)) newest = Math.max(newest, fs.statSync(path.join(root, 'src', rel)).mtimeMs);
  }
  return newest;
}

function stampMs() {
  try {
    return fs.statSync(stamp).mtimeMs;
  } catch {
    return -1;
  }
}

if (process.argv.includes('--if-stale') && stampMs() >= newestInputMs()) process.exit(0);

const started = new Date();
console.error('paygate: compiling src/ → dist/ (tsc) …');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--incremental', '--tsBuildInfoFile', path.join(root, 'dist', '.tsbuildinfo')], { stdio: 'inherit' });
if (r.status !== 0) {
  fs.rmSync(stamp, { force: true });
  process.exit(r.status ?? 1);
}
fs.writeFileSync(stamp, `built from the sources as of ${started.toISOString()}\n`);
// Dated when the build began: a file saved while tsc ran is newer, so the next start compiles again.
fs.utimesSync(stamp, started, started);
console.error(`paygate: compiled in ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s`);
