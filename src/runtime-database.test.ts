/**
 * A database that cannot be used at start is one clear line and a non-zero exit (issue 13,
 * fault 6), not a driver's stack trace; the password in DATABASE_URL is not printed.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = new URL('../bin/paygate.js', import.meta.url).pathname;

function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-baddb-'));
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'start'], {
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', PAYGATE_DATA_DIR: dataDir, PAYGATE_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'), ...env },
    }, (err, stdout, stderr) => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('a bad DATABASE_URL at start', () => {
  it.each([
    ['nothing listens there', 'postgres://paygate:s3cret@127.0.0.1:1/paygate', /ECONNREFUSED/],
    ['the database does not exist', `postgres://postgres:s3cret@127.0.0.1:5432/paygate_missing_${process.pid}`, /does not exist|password authentication failed/],
  ])('%s: one line naming DATABASE_URL without its password, exit non-zero', async (_what, url, why) => {
    const r = await start({ DATABASE_URL: url });
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot use the database at DATABASE_URL=postgres:\/\/[a-z]+:\*\*\*@127\.0\.0\.1:\d+\/paygate/);
    expect(lines[0]).toMatch(why);
    expect(r.stderr).not.toContain('s3cret');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }, 40_000);
});
