/**
 * Attack traffic for admission tests and the admission bench: raw sockets, so what reaches
 * the server is exactly what an attacker sends (no client-side timeouts, pooling or
 * retries). Loopback has all of 127.0.0.0/8 on Linux, so `from` spreads clients over many
 * source addresses, as a botnet or a carrier-grade NAT would.
 */
import http from 'node:http';
import net from 'node:net';

export interface Target { host: string; port: number }

export function targetOf(url: string): Target {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

/** The n-th of `count` loopback source addresses, 127.0.1.1 … (never 127.0.0.1, the test's own). */
export function loopbackAddress(n: number): string {
  return `127.0.${1 + Math.floor(n / 250)}.${1 + (n % 250)}`;
}

export interface RawConn {
  socket: net.Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Resolves when the server closed (or reset) the connection, with the time it happened. */
  closed: Promise<number>;
  /** The status line's code once known. */
  status(): number | undefined;
  destroy(): void;
}

export function connect(t: Target, from?: string): Promise<RawConn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: t.host, port: t.port, ...(from ? { localAddress: from } : {}) });
    let data = '';
    let closedAt = 0;
    let onClosed: (at: number) => void = () => undefined;
    const closed = new Promise<number>((r) => (onClosed = r));
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      // Keep the head (status line, headers) and a bounded tail: a stream can run for minutes.
      data = data.length < 8192 ? data + c : data.slice(0, 4096) + data.slice(-4096) + c;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => onClosed((closedAt = Date.now())));
    socket.once('connect', () => resolve({
      socket, closed,
      received: () => data,
      status: () => {
        const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
        return m ? Number(m[1]) : undefined;
      },
      destroy: () => socket.destroy(),
    }));
    socket.once('error', (err) => {
      if (!closedAt) reject(err);
    });
  });
}

/** Waits until `conn` has received `pattern` (or the server closed it, or `ms` passed). */
export async function until(conn: RawConn, pattern: RegExp, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!pattern.test(conn.received())) {
    if (conn.socket.destroyed || Date.now() > deadline) return pattern.test(conn.received());
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/** An SSE subscription: resolves once the server answered (200 with the first frame, or a refusal). */
export async function openStream(t: Target, paymentId: string, from?: string): Promise<RawConn> {
  const c = await connect(t, from);
  c.socket.write(`GET /pay/${paymentId}/events HTTP/1.1\r\nHost: ${t.host}\r\nAccept: text/event-stream\r\n\r\n`);
  await until(c, /^HTTP\/1\.1 (?!200)\d{3}[\s\S]*\r\n\r\n|data: /);
  return c;
}

export interface SlowBody extends RawConn {
  /** Bytes of body sent so far. */
  sent(): number;
}

/**
 * A request whose headers arrive at once and whose body then trickles in one byte every
 * `everyMs` (a slow-loris body), never reaching its Content-Length unless the server waits
 * `length × everyMs`. Stops trickling when the server answers or closes.
 */
export async function slowBody(t: Target, opts: { path: string; headers?: Record<string, string>; length?: number; everyMs?: number; from?: string }): Promise<SlowBody> {
  const c = await connect(t, opts.from);
  const length = opts.length ?? 4096;
  const headers = { host: t.host, 'content-type': 'application/x-www-form-urlencoded', ...opts.headers, 'content-length': String(length) };
  c.socket.write(`POST ${opts.path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
  let sent = 0;
  const timer = setInterval(() => {
    if (c.socket.destroyed || c.status() !== undefined || sent >= length - 1) return clearInterval(timer);
    c.socket.write('a');
    sent++;
  }, opts.everyMs ?? 200);
  void c.closed.then(() => clearInterval(timer));
  return { ...c, sent: () => sent, destroy: () => { clearInterval(timer); c.socket.destroy(); } };
}

/** Runs `fn` over `items` with at most `width` at once. */
export async function inBatches<T, R>(items: T[], width: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) {
    out.push(...(await Promise.all(items.slice(i, i + width).map((x, j) => fn(x, i + j)))));
  }
  return out;
}

export interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** One request on its own connection from source address `from` (fetch cannot choose it). */
export function request(url: string, opts: { from?: string; method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: false, ...(opts.from ? { localAddress: opts.from } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
