/**
 * How the CLI reaches the running gateway: its URL and admin token, with the defaults of
 * `npm start` (http://127.0.0.1:$PORT or :8080, the token in <data dir>/admin.token), so the
 * CLI never needs the gateway's environment. Nothing here writes a file or opens a database.
 */
import fs from 'node:fs';
import path from 'node:path';

/** A failure the CLI reports as one line: exit 2 for a usage mistake, 1 for anything else. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2 = 1) {
    super(message);
  }
}

export interface GatewayTarget {
  /** Public API origin, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Where /admin/* is served (PAYGATE_ADMIN_LISTEN moves it; default: url). */
  adminUrl: string;
  adminToken: () => string;
}

export function parseUrl(value: string, what: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new CliError(`${what} must be an http(s) URL like http://127.0.0.1:8080, got "${value}"`, 2);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CliError(`${what} must be an http(s) URL, got "${value}"`, 2);
  return value.replace(/\/+$/, '');
}

/** --url / PAYGATE_URL, --admin-url / PAYGATE_ADMIN_URL, --admin-token / PAYGATE_ADMIN_TOKEN / <data dir>/admin.token. */
export function gatewayTarget(opts: { url?: string | undefined; adminUrl?: string | undefined; adminToken?: string | undefined }, env: NodeJS.ProcessEnv = process.env): GatewayTarget {
  const url = parseUrl(opts.url ?? env.PAYGATE_URL ?? `http://127.0.0.1:${env.PORT || '8080'}`, opts.url ? '--url' : env.PAYGATE_URL ? 'PAYGATE_URL' : 'the gateway URL (PORT)');
  const adminUrl = opts.adminUrl ?? env.PAYGATE_ADMIN_URL;
  return {
    url,
    adminUrl: adminUrl ? parseUrl(adminUrl, opts.adminUrl ? '--admin-url' : 'PAYGATE_ADMIN_URL') : url,
    adminToken: () => {
      const given = opts.adminToken ?? env.PAYGATE_ADMIN_TOKEN;
      if (given) return given;
      // Where `paygate start` writes the token it generates (runtime.ts); read, never created here.
      const file = path.join(env.PAYGATE_DATA_DIR || './data', 'admin.token');
      const token = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
      if (!token) throw new CliError(`no admin token: pass --admin-token or set PAYGATE_ADMIN_TOKEN (the gateway's), or run this where \`paygate start\` wrote ${file} (PAYGATE_DATA_DIR)`, 2);
      return token;
    },
  };
}

export interface JsonAnswer { status: number; body: unknown }

/** One JSON request; a connection failure becomes a CliError naming the URL and how to point the CLI elsewhere. */
export async function requestJson(method: string, url: string, opts: { token?: string; body?: unknown; headers?: Record<string, string>; what?: string } = {}): Promise<JsonAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      ...(opts.body !== undefined ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const c = (err as { cause?: { code?: string; message?: string } }).cause;
    const cause = c?.code ?? c?.message ?? (err as Error).message;
    throw new CliError(`cannot reach ${opts.what ?? 'the gateway'} at ${new URL(url).origin} (${cause}): is it running? Point the CLI at it with --url or PAYGATE_URL`);
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (an HTML 404 page, a proxy's answer): keep the text for the message
  }
  return { status: res.status, body };
}

/** The gateway's error as one line: its code, message and hint (the error catalog's shape). */
export function describeError(a: JsonAnswer): string {
  const e = (a.body as { error?: { code?: string; message?: string; hint?: string } } | undefined)?.error;
  if (e && typeof e === 'object') return `${a.status} ${e.code ?? ''}: ${e.message ?? ''}${e.hint ? ` (${e.hint})` : ''}`.trim();
  return `${a.status}: ${typeof a.body === 'string' ? a.body.slice(0, 200) : JSON.stringify(a.body).slice(0, 200)}`;
}

/** An admin call that must succeed; otherwise the gateway's own error, one line. */
export async function admin<T>(t: GatewayTarget, method: string, p: string, body?: unknown): Promise<T> {
  const a = await requestJson(method, t.adminUrl + p, { token: t.adminToken(), ...(body !== undefined ? { body } : {}) });
  if (a.status === 401) throw new CliError(`the gateway at ${t.adminUrl} refused the admin token (${describeError(a)}): pass the gateway's token with --admin-token or PAYGATE_ADMIN_TOKEN`);
  if (a.status >= 300) throw new CliError(`${method} ${p} failed: ${describeError(a)}`);
  return a.body as T;
}
