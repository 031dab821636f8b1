/**
 * The README's quick start, run as written (issue 13): `paygate start` on an empty data dir
 * (what `npm start` runs after its build), then the README's "Then:" block — create a
 * payment with curl, `npx paygate sandbox pay`, read it back — in a shell, with only the
 * values a reader substitutes by hand: the printed secret key ($SK), the payment id for
 * `pay_...`, and this test's port for 8080. If the README drifts from what the gateway
 * does, this fails.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const run = promisify(execFile);

function thenBlock(): string[] {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const block = /Then:\s*\n\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README has no "Then:" sh block after the quick start');
  // Join continuation lines; drop trailing comments.
  return block.replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
}

const freePort = () => new Promise<number>((resolve) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = srv.address() as net.AddressInfo;
    srv.close(() => resolve(port));
  });
});

describe('README quick start', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-readme-'));
  let gw: ChildProcess | undefined;
  let port = 0;
  let sk = '';
  let env: NodeJS.ProcessEnv = {};

  beforeAll(async () => {
    port = await freePort();
    // A reader's shell: no test harness variables, the gateway's PORT and data dir as npm start would use them.
    env = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1', PAYGATE_DATA_DIR: path.join(dir, 'data') };
    gw = spawn(process.execPath, [path.join(root, 'bin/paygate.js'), 'start'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    gw.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    gw.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
    const deadline = Date.now() + 60_000;
    while (!/secret key:\s+(sk_\S+)/.test(out) || !(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline || gw.exitCode !== null) throw new Error(`gateway did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    sk = /secret key:\s+(sk_\S+)/.exec(out)![1]!;
  }, 90_000);

  afterAll(async () => {
    if (gw && gw.exitCode === null) {
      gw.kill('SIGTERM');
      await new Promise((r) => gw!.once('exit', r));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates a payment, pays it in the simulator and reads it back as succeeded, exactly as the README says', { timeout: 120_000 }, async () => {
    const [createCmd, payCmd, readCmd, ...rest] = thenBlock();
    expect(rest).toEqual([]);
    const sh = async (cmd: string) => (await run('sh', ['-c', cmd.replaceAll('localhost:8080', `127.0.0.1:${port}`)], { cwd: root, env: { ...env, SK: sk }, timeout: 60_000 })).stdout;

    const created = JSON.parse(await sh(createCmd!)) as { id: string; status: string; next_action: { qr_code: string } };
    expect(created.status, JSON.stringify(created)).toBe('requires_action');
    expect(created.next_action.qr_code).toBeTruthy();
    const withId = (cmd: string) => cmd.replaceAll('pay_...', created.id);

    await sh(withId(payCmd!));
    let read: { status: string } = { status: '' };
    for (let i = 0; i < 100 && read.status !== 'succeeded'; i++) {
      read = JSON.parse(await sh(withId(readCmd!))) as { status: string };
      if (read.status !== 'succeeded') await new Promise((r) => setTimeout(r, 100));
    }
    // The README's comment on the last line: → "status":"succeeded".
    expect(read.status).toBe('succeeded');
  });
});
