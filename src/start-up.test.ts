/**
 * `npm start` compiles only when the sources changed (bin/build-if-stale.js): a second start
 * serves within seconds. Run on a copy of the project, so the build it times never rewrites
 * the dist/ other test files are running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './test-support/ports.js';

const root = path.resolve(import.meta.dirname, '..');
const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-start-'));

let running: ChildProcess | undefined;

/** The quick start as a developer runs it: SQLite in the data dir, whatever this machine's shell says about databases. */
function quickStartEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('PAYGATE_') || k === 'DATABASE_URL' || k === 'REDIS_URL' || k === 'NODE_ENV') delete env[k];
  return env;
}

/** `npm start` in the copy; resolves with the seconds until /healthz answered 200. */
async function npmStart(port: number): Promise<number> {
  const started = performance.now();
  let output = '';
  running = spawn('npm', ['start'], {
    cwd: copy, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...quickStartEnv(), PORT: String(port), HOST: '127.0.0.1', PAYGATE_DATA_DIR: path.join(copy, 'data'), LOG_LEVEL: 'warn' },
  });
  running.stdout!.on('data', (c: Buffer) => { output += c.toString('utf8'); });
  running.stderr!.on('data', (c: Buffer) => { output += c.toString('utf8'); });
  const exited = new Promise<never>((_, reject) => running!.once('exit', (code) => reject(new Error(`npm start exited ${code}:\n${output}`))));
  for (;;) {
    const up = await Promise.race([fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false), exited]);
    if (up) return (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stop(): Promise<void> {
  const child = running;
  running = undefined;
  if (!child || child.exitCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid!, 'SIGTERM'); // npm, its shell and the gateway
  await gone;
}

describe('npm start', () => {
  afterAll(async () => {
    await stop();
    fs.rmSync(copy, { recursive: true, force: true });
  });

  it('compiles on the first start only: the second serves within seconds', async () => {
    for (const f of ['src', 'bin']) fs.cpSync(path.join(root, f), path.join(copy, f), { recursive: true });
    for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) fs.copyFileSync(path.join(root, f), path.join(copy, f));
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
    const port = await freePort();

    const first = await npmStart(port); // compiles, migrates, seeds the demo shop
    await stop();
    expect(fs.existsSync(path.join(copy, 'dist', '.build-stamp'))).toBe(true);

    const second = await npmStart(port);
    await stop();
    console.log(`npm start: first ${first.toFixed(1)} s (with the build), second ${second.toFixed(1)} s`);
    // Typically ~1.5 s against ~30 s for the first; the bound leaves room for a loaded CI machine.
    expect(second).toBeLessThan(10);

    // A changed source is compiled again before the gateway starts.
    const stampBefore = fs.statSync(path.join(copy, 'dist', '.build-stamp')).mtimeMs;
    const later = new Date(Date.now() + 2000);
    fs.utimesSync(path.join(copy, 'src', 'app', 'schedule.ts'), later, later);
    await npmStart(port);
    await stop();
    expect(fs.statSync(path.join(copy, 'dist', '.build-stamp')).mtimeMs).toBeGreaterThan(stampBefore);
  }, 240_000);
});
