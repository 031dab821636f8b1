/**
 * The cluster bench's client side: a cluster of gateway nodes set up for it (one database,
 * a merchant, an account per simulator) and the buyers that shoot creates at it.
 */
import crypto from 'node:crypto';
import { Agent, request } from 'undici';
import { createBenchDatabase, type BenchDatabase } from './pg.js';
import { startNodes, type GatewayNode, type SimulatorProcess } from '../test-support/cluster.js';

const CLIENT_TIMEOUT_MS = 30_000;

/** One buyer's create as the merchant sees it; `repeats`: how often it was repeated because the gateway said safe_to_repeat (no answer from the provider). */
export interface Shot { ms: number; status: number; code?: string; account?: string; fellBack?: boolean; timedOut?: boolean; repeats?: number }

export interface Cluster { nodes: GatewayNode[]; merchantId: string; key: string; accounts: string[]; adminToken: string; close(): Promise<void> }

export async function startCluster(n: number, redisUrl: string, sims: SimulatorProcess[], env: Record<string, string> = {}): Promise<Cluster> {
  let db: BenchDatabase | undefined = await createBenchDatabase();
  let nodes: GatewayNode[] = [];
  const close = async () => {
    await Promise.all(nodes.map((nd) => nd.stop(10_000)));
    await db?.drop();
    db = undefined;
  };
  try {
    const adminToken = `adm_${crypto.randomBytes(24).toString('base64url')}`;
    nodes = await startNodes(n, {
      DATABASE_URL: db.url, REDIS_URL: redisUrl, PAYGATE_MASTER_KEY: crypto.randomBytes(32).toString('base64'), PAYGATE_ADMIN_TOKEN: adminToken,
      PAYGATE_SIMULATORS: 'false', LOG_LEVEL: 'error',
      // Real time: background polls are 60 s away, so the runs measure creates only.
      PAYGATE_TIME_SCALE: '1',
      // The per-key limit would measure itself, not the nodes; the nodes' own shedding stays on.
      PAYGATE_RATE_LIMIT_PER_S: '1000000',
      ...env,
    });
    const admin = async (method: string, p: string, body: unknown) => {
      const r = await fetch(nodes[0]!.url + p, { method, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
      return (await r.json()) as Record<string, string>;
    };
    const merchant = await admin('POST', '/admin/merchants', { name: `Cluster bench ${n}` });
    const accounts: string[] = [];
    for (const sim of sims) {
      const acc = await admin('POST', `/admin/merchants/${merchant.id}/provider_accounts`, { provider: 'alipay', mode: 'sandbox', base_url: sim.baseUrl, credentials: await sim.registerApp() });
      accounts.push(acc.id!);
    }
    return { nodes, merchantId: merchant.id!, key: merchant.secret_key!, accounts, adminToken, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The buyers: `concurrency` loops, loop w always on node w mod n (so the nodes share the
 * load evenly, as behind a round-robin balancer), each taking the next order until
 * `next()` says stop. Every order is a new merchant_order_id.
 */
/** A client's back-off between repeats of a safe_to_repeat create (about the breaker's 5 s half-open delay in all). */
const REPEAT_BACKOFF_MS = [250, 500, 1000, 2000, 4000];

export async function shoot(c: Cluster, concurrency: number, next: () => number | undefined, tag: string): Promise<Shot[]> {
  const agent = new Agent({ connections: concurrency, headersTimeout: CLIENT_TIMEOUT_MS, bodyTimeout: CLIENT_TIMEOUT_MS, keepAliveTimeout: 30_000 });
  const shots: Shot[] = [];
  const headers = { authorization: `Bearer ${c.key}`, 'content-type': 'application/json' };
  const loop = async (w: number) => {
    const url = `${c.nodes[w % c.nodes.length]!.url}/v1/payments`;
    for (let i = next(); i !== undefined; i = next()) {
      const t0 = performance.now();
      try {
        const send = async () => {
          const r = await request(url, { method: 'POST', headers, body: JSON.stringify({ amount: 8888, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `${tag}-${i}` }), dispatcher: agent });
          return { status: r.statusCode, body: (await r.body.json()) as { error?: { code?: string; safe_to_repeat?: boolean }; attempts?: Array<{ provider_account_id: string }>; routing?: unknown[] } };
        };
        let { status, body } = await send();
        // No answer from the provider: the merchant repeats the same create, as the error says, and it
        // resumes the same attempt — backing off, as a client should, past a breaker that opened meanwhile.
        let repeats = 0;
        for (; repeats < REPEAT_BACKOFF_MS.length && body.error?.safe_to_repeat; repeats++) {
          await new Promise((res) => setTimeout(res, REPEAT_BACKOFF_MS[repeats]));
          ({ status, body } = await send());
        }
        const attempts = body.attempts ?? [];
        shots.push({
          ms: performance.now() - t0, status: status === 200 && repeats > 0 ? 201 : status, ...(repeats ? { repeats } : {}),
          ...(body.error?.code ? { code: body.error.code } : {}),
          ...(attempts.length ? { account: attempts[attempts.length - 1]!.provider_account_id, fellBack: attempts.length > 1 || (body.routing?.length ?? 0) > 0 } : {}),
        });
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'CLIENT.ERROR';
        shots.push({ ms: performance.now() - t0, status: 0, code, timedOut: /TIMEOUT/.test(code) });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => loop(w)));
  await agent.close();
  return shots;
}

export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
