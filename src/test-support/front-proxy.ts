/** A front proxy in front of gateway nodes that stands in for a load balancer. */
import http from 'node:http';
import type net from 'node:net';

/** One copy of a provider notification, as the front proxy saw it come back. */
export interface NotifyCopy { node: number; status?: number; body?: string; error?: string; ms: number }
export interface NotifyRecord { path: string; nodes: number[]; copies: NotifyCopy[]; answered: number; receivedAt: number }

export interface FrontProxy {
  url: string;
  /** Every provider notification: which two nodes got it and what each answered. */
  notifications: NotifyRecord[];
  /** Ordinary requests answered, per node. */
  forwarded: number[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'upgrade', 'expect', 'te', 'trailer', 'proxy-connection']);

interface Upstream { status: number; headers: Record<string, string>; body: Buffer }

function refused(err: unknown): boolean {
  return err instanceof TypeError && (err.cause as { code?: unknown } | undefined)?.code === 'ECONNREFUSED';
}

function describe(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  return `${err instanceof Error ? err.message : String(err)}${cause ? ` (${String(cause.code ?? cause.message)})` : ''}`;
}

/**
 * The load balancer in front of the nodes, and the address providers are given
 * (PAYGATE_PUBLIC_URL). Ordinary requests go round-robin, moving on to the next node when a
 * node refuses the connection, as nginx's proxy_next_upstream does. Every provider
 * notification (POST /notify/...) goes to TWO different nodes at once, node k and k+1, so
 * each one is processed twice, concurrently, on different nodes: the gateway must treat the
 * second as a duplicate. The provider gets the first 2xx answer, or 502 when no copy got
 * one (a dead node's copy fails), and then retries as providers do.
 */
export async function startFrontProxy(nodeUrls: string[], opts: { port?: number; copyTimeoutMs?: number } = {}): Promise<FrontProxy> {
  const n = nodeUrls.length;
  if (n < 2) throw new Error('the front proxy needs at least two nodes to send each notification twice');
  const notifications: NotifyRecord[] = [];
  const forwarded = nodeUrls.map(() => 0);
  let turn = 0;
  let notifyTurn = 0;

  const forward = async (node: number, req: http.IncomingMessage, body: Buffer, timeoutMs: number): Promise<Upstream> => {
    const headers: Array<[string, string]> = [];
    for (const [k, v] of Object.entries(req.headers)) {
      if (HOP_BY_HOP.has(k) || v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) headers.push([k, one]);
    }
    headers.push(['x-forwarded-for', req.socket.remoteAddress ?? '']);
    const r = await fetch(nodeUrls[node] + (req.url ?? '/'), {
      method: req.method ?? 'GET', headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs),
      ...(body.length > 0 ? { body } : {}),
    });
    const out: Record<string, string> = {};
    r.headers.forEach((v, k) => { if (!HOP_BY_HOP.has(k)) out[k] = v; });
    return { status: r.status, headers: out, body: Buffer.from(await r.arrayBuffer()) };
  };

  const fanOutNotification = async (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => {
    const k = notifyTurn++ % n;
    const record: NotifyRecord = { path: req.url ?? '', nodes: [k, (k + 1) % n], copies: [], answered: 0, receivedAt: Date.now() };
    notifications.push(record);
    const answer = (u: Upstream) => {
      if (record.answered !== 0) return;
      record.answered = u.status;
      res.writeHead(u.status, u.headers).end(u.body);
    };
    await Promise.all(record.nodes.map(async (node) => {
      const t0 = Date.now();
      try {
        const u = await forward(node, req, body, opts.copyTimeoutMs ?? 15_000);
        record.copies.push({ node, status: u.status, body: u.body.toString('utf8').slice(0, 200), ms: Date.now() - t0 });
        if (u.status >= 200 && u.status < 300) answer(u);
      } catch (err) {
        record.copies.push({ node, error: describe(err), ms: Date.now() - t0 });
      }
    }));
    answer({ status: 502, headers: { 'content-type': 'text/plain' }, body: Buffer.from('no node accepted the notification') });
  };

  const roundRobin = async (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => {
    const first = turn++ % n;
    let lastError = '';
    for (let i = 0; i < n; i++) {
      const node = (first + i) % n;
      try {
        const u = await forward(node, req, body, 30_000);
        forwarded[node]!++;
        res.writeHead(u.status, u.headers).end(u.body);
        return;
      } catch (err) {
        lastError = describe(err);
        // Only a refused connection is safe to retry elsewhere: the node never saw the request.
        if (!refused(err)) break;
      }
    }
    res.writeHead(502, { 'content-type': 'text/plain' }).end(`front proxy: ${lastError}`);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const handle = req.method === 'POST' && req.url?.startsWith('/notify/') ? fanOutNotification : roundRobin;
      handle(req, body, res).catch((err: unknown) => {
        if (res.headersSent) res.destroy();
        else res.writeHead(502, { 'content-type': 'text/plain' }).end(`front proxy: ${describe(err)}`);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    notifications,
    forwarded,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
