/** A throw-away PostgreSQL database per bench run, so numbers never depend on leftover rows. */
import crypto from 'node:crypto';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.PAYGATE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function adminQuery(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  // Random hex only: safe to splice into DDL, which takes no bind parameters.
  const name = `paygate_bench_${crypto.randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    name,
    url: u.toString(),
    // FORCE: a pool that failed to close (crash mid-run) must not keep the database alive.
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
