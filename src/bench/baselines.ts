/**
 * Baselines measured in the same run, on the same machine, so gateway figures can be read
 * as ratios rather than absolute numbers that mean nothing across machines:
 *  - a bare Fastify route doing one INSERT on the same database kind (the floor any
 *    HTTP + DB write service pays), configured like the gateway's own database handle;
 *  - RSA-2048 sign / verify rates on one core (what each Alipay call fundamentally costs).
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import Fastify from 'fastify';
import pg from 'pg';

export interface RsaRates {
  signPerSec: number;
  verifyPerSec: number;
  messageBytes: number;
}

/** Runs op in batches until `ms` have passed; returns ops per second. */
function opsPerSec(op: () => void, ms: number): number {
  for (let i = 0; i < 50; i++) op(); // warm-up: JIT and OpenSSL's lazy init out of the timing
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 20; i++) op();
    n += 20;
    elapsed = performance.now() - start;
  }
  return (n * 1000) / elapsed;
}

export function measureRsa(ms = 1500): RsaRates {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // About the size of an alipay.trade.precreate string-to-sign (sorted k=v& with biz_content).
  const message = Buffer.from(
    'app_id=2021000122671080&biz_content={"out_trade_no":"att_01abcdefghijklmnopqrstuv","total_amount":"88.88","subject":"2 tickets","timeout_express":"15m"}&charset=utf-8&format=JSON&method=alipay.trade.precreate&notify_url=http://127.0.0.1:8080/notify/alipay/pa_01abcdefghijkl&sign_type=RSA2&timestamp=2026-01-02 00:30:40&version=1.0',
    'utf8',
  );
  const signature = sign('sha256', message, privateKey);
  const signPerSec = opsPerSec(() => sign('sha256', message, privateKey), ms);
  const verifyPerSec = opsPerSec(() => {
    if (!verify('sha256', message, publicKey, signature)) throw new Error('RSA self-check failed');
  }, ms);
  return { signPerSec, verifyPerSec, messageBytes: message.length };
}

export interface BareServer {
  url: string;
  close(): Promise<void>;
}

type Insert = (id: string, body: string) => Promise<void> | void;

async function serve(insert: Insert, onClose: () => Promise<void> | void): Promise<BareServer> {
  const app = Fastify({ logger: false });
  app.post<{ Body: { id?: unknown } }>('/insert', async (req, reply) => {
    const id = typeof req.body.id === 'string' ? req.body.id : '';
    await insert(id, JSON.stringify(req.body));
    // 201 with a small JSON body, like a create endpoint.
    return reply.code(201).send({ ok: true, id });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/insert`,
    async close() {
      await app.close();
      await onClose();
    },
  };
}

/** SQLite file with the gateway's pragmas (WAL, synchronous=NORMAL), synchronous driver like the gateway's. */
export async function startBareSqlite(dir: string): Promise<BareServer> {
  const db = new SQLite(path.join(dir, 'bare.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE bare_insert (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL)');
  const stmt = db.prepare('INSERT INTO bare_insert (id, body, created_at) VALUES (?, ?, ?)');
  return serve((id, body) => void stmt.run(id, body, Date.now()), () => void db.close());
}

/** Same PostgreSQL server and pool size (20) as the gateway's handle. */
export async function startBarePg(url: string): Promise<BareServer> {
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  pool.on('error', () => undefined);
  await pool.query('CREATE TABLE bare_insert (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at BIGINT NOT NULL)');
  return serve(async (id, body) => {
    await pool.query('INSERT INTO bare_insert (id, body, created_at) VALUES ($1, $2, $3)', [id, body, Date.now()]);
  }, () => pool.end());
}
