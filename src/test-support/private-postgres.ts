/**
 * A private PostgreSQL cluster that may be stopped and restarted at will (the shared server
 * on :5432 must never be).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, TAIL_BYTES } from './ports.js';

const run = promisify(execFile);

/**
 * A throw-away PostgreSQL cluster in a temp dir, on its own port and socket dir. stop() and
 * start() really take the server down and up again (same port, same data), which is what an
 * outage test needs and what nobody may do to the shared server.
 */
export interface PrivatePostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust auth). */
  adminUrl: string;
  /** The same server, another database. */
  urlFor(database: string): string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server if it runs and deletes the cluster. */
  remove(): Promise<void>;
  logTail(): string;
}

function pgBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions[0]) throw new Error(`no PostgreSQL server binaries under ${root} (apt-get install postgresql)`);
  return path.join(root, versions[0], 'bin');
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = pgBinDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-pg-'));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'log');
  // PostgreSQL refuses to run as root: as root, hand the dir to the postgres user.
  const asRoot = process.getuid?.() === 0;
  const pgRun = (cmd: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]) : run(path.join(bin, cmd), args));
  if (asRoot) await run('chown', ['postgres:postgres', dir]);
  const port = await freePort();
  // fsync off: the cluster lives for one test; a crash loses nothing anyone wants.
  const serverOpts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  let running = false;
  const pgdb: PrivatePostgres = {
    port,
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    urlFor: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await pgRun('pg_ctl', ['-D', data, '-o', serverOpts, '-l', logFile, '-w', '-t', '60', 'start']);
      running = true;
    },
    async stop() {
      await pgRun('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
      running = false;
    },
    async remove() {
      if (running) await pgRun('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      running = false;
      fs.rmSync(dir, { recursive: true, force: true });
    },
    logTail: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-TAIL_BYTES) : ''),
  };
  try {
    await pgRun('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await pgdb.start();
  } catch (err) {
    await pgdb.remove();
    throw err;
  }
  return pgdb;
}
