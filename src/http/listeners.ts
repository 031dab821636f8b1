/**
 * The sockets Paygate answers on, besides the main one Fastify opens on HOST:PORT:
 * - the admin listener (PAYGATE_ADMIN_LISTEN): the same app, but only /admin/*, /metrics and
 *   the health checks answer there, and the public listener stops answering /admin/* and
 *   /metrics — so the admin API and the metrics (which name provider accounts) can sit on an
 *   address the internet cannot reach;
 * - the plain-HTTP redirect listener (PAYGATE_HTTP_REDIRECT_PORT): 308 to the https URL.
 * One Fastify app serves both gateway listeners, so drain, admission budgets and metrics
 * stay per node, not per socket.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../infra/config.js';
import { hstsHeader, type TlsServerOptions } from './tls.js';
import { applyTimeouts } from './timeouts.js';

/** Requests that arrived on the admin listener (the socket decides, never a header). */
const onAdminListener = new WeakSet<http.IncomingMessage>();

/** Route patterns, not raw URLs: an encoded path (/%61dmin/…) matches the same route, so it is classified the same. */
function adminOnly(route: string | undefined): boolean {
  return route !== undefined && (route.startsWith('/admin/') || route === '/metrics');
}
const HEALTH = new Set(['/healthz', '/readyz']);

function servedHere(req: FastifyRequest, config: Readonly<Config>): boolean {
  if (!config.adminListen) return true;
  const route = req.routeOptions.url;
  if (onAdminListener.has(req.raw)) return adminOnly(route) || (route !== undefined && HEALTH.has(route));
  return !adminOnly(route);
}

/**
 * Runs first on every request: HSTS on answers that go out over TLS (set on the raw response,
 * so hijacked answers such as the cashier's event stream carry it too), and the listener
 * split. Register before any other hook, so a request refused here costs nothing else.
 */
export function installListenerHooks(app: FastifyInstance, config: Readonly<Config>): void {
  const hsts = hstsHeader(config);
  app.addHook('onRequest', async (req, reply) => {
    if (hsts && (req.raw.socket as Partial<TLSSocket>).encrypted) reply.raw.setHeader('strict-transport-security', hsts);
    if (servedHere(req, config)) return;
    return reply.code(404).send({ error: { code: 'RESOURCE.NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}: check the method and path against the API reference at /docs (or /openapi.json)`, request_id: req.id } });
  });
}

/** `what` names the setting to change when the address cannot be taken (in use, not ours). */
export function listenOn(server: net.Server, host: string, port: number, what: string): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => reject(new Error(`${what}: cannot listen on ${host}:${port} (${err.code ?? err.message})`, { cause: err }));
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve(server.address() as net.AddressInfo);
    });
  });
}

export function urlOf(scheme: 'http' | 'https', a: net.AddressInfo): string {
  return `${scheme}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
}

/** The admin listener: the app's own request handler behind a second server, with the same timeouts as the main one. */
export function createAdminServer(app: FastifyInstance, config: Readonly<Config>, tlsOptions: TlsServerOptions | undefined): http.Server | https.Server {
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    onAdminListener.add(req);
    app.routing(req, res);
  };
  const server = tlsOptions ? https.createServer(tlsOptions, handler) : http.createServer(handler);
  applyTimeouts(server, config);
  return server;
}

/**
 * Plain HTTP → HTTPS. The target is PAYGATE_PUBLIC_URL's origin when that is https (the
 * client's Host header cannot pick it), otherwise the Host the client asked for on the TLS
 * port. /healthz answers here too, for load balancers that check the plain port.
 */
export function createRedirectServer(config: Readonly<Config>, httpsPort: () => number): http.Server {
  const pinned = config.PAYGATE_PUBLIC_URL?.startsWith('https://') ? new URL(config.PAYGATE_PUBLIC_URL).origin : undefined;
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    // Absolute-form request targets (GET http://x/y) keep only their path: the origin is ours to choose.
    const path = url.startsWith('/') ? url : safePath(url);
    if (path.split('?')[0] === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"status":"ok"}');
      return;
    }
    const origin = pinned ?? originFromHost(req.headers.host, httpsPort());
    if (!origin) {
      res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', connection: 'close' })
        .end(JSON.stringify({ error: { code: 'VALIDATION.INVALID_HEADER', field: 'host', message: 'send a valid Host header, or use https directly' } }));
      return;
    }
    res.writeHead(308, { location: origin + path, 'content-length': '0', connection: 'close' }).end();
  });
  applyTimeouts(server, config);
  return server;
}

function safePath(target: string): string {
  try {
    const u = new URL(target);
    return u.pathname + u.search;
  } catch {
    return '/';
  }
}

function originFromHost(host: string | undefined, port: number): string | undefined {
  if (!host || !/^[\w.:[\]-]+$/.test(host)) return undefined;
  try {
    const { hostname } = new URL(`http://${host}`);
    return `https://${hostname}${port === 443 ? '' : `:${port}`}`;
  } catch {
    return undefined;
  }
}

/** Stops accepting, then ends the connections left (the app has drained in-flight requests by now). */
export function closeServer(server: net.Server | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    // http and https servers both have it (an https.Server is not an instanceof http.Server).
    (server as Partial<http.Server>).closeAllConnections?.();
  });
}

export interface ListenerAddresses { public: string; admin?: string; redirect?: string }

/** The node's listeners, opened in order (main, admin, redirect) and closed in reverse. */
export class GatewayListeners {
  readonly addresses: Partial<ListenerAddresses> = {};
  private admin: http.Server | https.Server | undefined;
  private redirect: http.Server | undefined;

  constructor(private readonly app: FastifyInstance, private readonly config: Readonly<Config>, private readonly tlsOptions: () => TlsServerOptions | undefined) {}

  /** The servers that hold a TLS context, for certificate reloads. */
  tlsServers(): TlsServer[] {
    if (!this.config.tls) return [];
    const servers: unknown[] = [this.app.server, ...(this.admin ? [this.admin] : [])];
    return servers as TlsServer[];
  }

  async listen(): Promise<string> {
    const { app, config } = this;
    const address = await app.listen({ port: config.PORT, host: config.HOST });
    const scheme = config.tls ? 'https' : 'http';
    const main = app.server.address() as net.AddressInfo;
    this.addresses.public = urlOf(scheme, main);
    if (config.adminListen) {
      this.admin = createAdminServer(app, config, this.tlsOptions());
      this.addresses.admin = urlOf(scheme, await listenOn(this.admin, config.adminListen.host, config.adminListen.port, 'PAYGATE_ADMIN_LISTEN'));
    }
    if (config.PAYGATE_HTTP_REDIRECT_PORT !== undefined) {
      this.redirect = createRedirectServer(config, () => main.port);
      this.addresses.redirect = urlOf('http', await listenOn(this.redirect, config.HOST, config.PAYGATE_HTTP_REDIRECT_PORT, 'PAYGATE_HTTP_REDIRECT_PORT'));
    }
    return address;
  }

  /** The extra listeners; the main one closes with the app. */
  async close(): Promise<void> {
    await closeServer(this.redirect);
    await closeServer(this.admin);
  }
}
