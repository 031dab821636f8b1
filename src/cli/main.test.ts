/**
 * The CLI says so when the simulators are off: `merchant create --sandbox` refuses (and
 * creates nothing) and `start` prints how to create a real merchant instead of a demo one;
 * in the embedded quick start the demo banner warns that /sandbox/* is open.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRuntime } from '../runtime.js';
import { createPgDatabase, startGateway } from '../test-support/harness.js';
import { bootstrapDemo } from './demo.js';
import { main } from './main.js';

describe('CLI with the simulators off', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-cli-off-'));
  let pgdb: Awaited<ReturnType<typeof createPgDatabase>>;
  let env: Record<string, string>;
  const saved = { ...process.env };

  beforeAll(async () => {
    pgdb = await createPgDatabase();
    env = { DATABASE_URL: pgdb.url, PAYGATE_MASTER_KEY: crypto.randomBytes(32).toString('base64'), PAYGATE_ADMIN_TOKEN: 'cli-admin-token-0123456789', PAYGATE_DATA_DIR: dir, LOG_LEVEL: 'silent', PORT: '0' };
  });
  afterAll(async () => {
    process.env = saved;
    await pgdb?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('merchant create --sandbox refuses, says why, and creates nothing', async () => {
    process.env = { ...saved, ...env };
    delete process.env.PAYGATE_SIMULATORS;
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const logs = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await main(['merchant', 'create', '--name', 'Nope', '--sandbox']);
      expect(process.exitCode).toBe(2);
      expect(errors.mock.calls.flat().join('\n')).toMatch(/--sandbox needs the provider simulators, which are off here \(DATABASE_URL is set, so they are off by default\)\. Set PAYGATE_SIMULATORS=true.*Nothing was created\./);
      expect(logs).not.toHaveBeenCalled();
    } finally {
      process.exitCode = undefined;
      errors.mockRestore();
      logs.mockRestore();
      process.env = saved;
    }
    const rt = await createRuntime({ ...env, PAYGATE_WORKER: 'false' });
    try {
      expect(await rt.ctx.db.selectFrom('merchants').select('id').execute()).toEqual([]);
      // `start` on the empty database: no demo merchant, and how to make a real one.
      const banner = await bootstrapDemo(rt);
      expect(banner).toMatch(/No demo merchant: the provider simulators and the sandbox webhook inbox are off \(DATABASE_URL is set/);
      expect(banner).toContain('/admin/merchants');
      expect(await rt.ctx.db.selectFrom('merchants').select('id').execute()).toEqual([]);
    } finally {
      await rt.stop();
    }
  });

  it('embedded quick start: the demo banner warns that /sandbox/* is open', async () => {
    const gw = await startGateway({ db: 'sqlite', env: { PAYGATE_SIMULATORS: '' } });
    try {
      const banner = await bootstrapDemo(gw.rt);
      expect(banner).toContain('Demo merchant');
      expect(banner).toContain(`Warning: the simulators and the webhook inbox at ${gw.url}/sandbox/* answer anyone who can reach this port.`);
    } finally {
      await gw.stop();
    }
  });
});
