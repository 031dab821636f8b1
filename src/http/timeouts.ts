/**
 * Socket timeouts of every listener (the main one and the admin one). Without them a client
 * can hold a connection, and whatever budget its request counts in, for as long as it likes:
 * headers one byte at a time, a body that never completes, an idle keep-alive socket.
 * - headers: PAYGATE_HEADERS_TIMEOUT_MS from the connection's start (or the first byte of
 *   the next request on a kept-alive one) → 408, closed;
 * - request: the whole request, body included, within PAYGATE_REQUEST_TIMEOUT_MS → 408, closed;
 * - keep-alive: idle between requests for PAYGATE_KEEPALIVE_TIMEOUT_MS → closed;
 * - socket: no byte either way for PAYGATE_SOCKET_TIMEOUT_MS → destroyed (a client that
 *   stopped reading its answer).
 * The first two stop counting once the request has arrived, so a long answer — a cashier
 * event stream, hijacked and open for minutes — is never cut by them; its heartbeat (every
 * heartbeatMs) moves bytes often enough that the socket timeout never cuts a healthy one.
 */
import type http from 'node:http';
import type { Config } from '../infra/config.js';

type TimeoutConfig = Pick<Config, 'PAYGATE_HEADERS_TIMEOUT_MS' | 'PAYGATE_REQUEST_TIMEOUT_MS' | 'PAYGATE_KEEPALIVE_TIMEOUT_MS' | 'PAYGATE_SOCKET_TIMEOUT_MS'>;

/** The cashier event stream's heartbeat: 15 s (proxies' idle limits are longer), or more often if the socket timeout needs it. */
export function heartbeatMs(config: Pick<Config, 'PAYGATE_SOCKET_TIMEOUT_MS'>): number {
  return Math.min(15_000, Math.floor(config.PAYGATE_SOCKET_TIMEOUT_MS / 3));
}

/** The same settings in Fastify's constructor options, so app.initialConfig tells the truth. */
export function fastifyTimeouts(config: TimeoutConfig): { connectionTimeout: number; keepAliveTimeout: number; requestTimeout: number } {
  return { connectionTimeout: config.PAYGATE_SOCKET_TIMEOUT_MS, keepAliveTimeout: config.PAYGATE_KEEPALIVE_TIMEOUT_MS, requestTimeout: config.PAYGATE_REQUEST_TIMEOUT_MS };
}

/**
 * Sets the timeouts on a node server before it listens. Node checks headers and request
 * deadlines on a timer (30 s by default, which would let a 10 s deadline run to 40 s), so
 * the check runs every quarter of the shorter deadline, at most once a second: each check
 * only walks the connections still receiving a request.
 */
export function applyTimeouts(server: http.Server, config: TimeoutConfig): void {
  server.headersTimeout = config.PAYGATE_HEADERS_TIMEOUT_MS;
  server.requestTimeout = config.PAYGATE_REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = config.PAYGATE_KEEPALIVE_TIMEOUT_MS;
  server.setTimeout(config.PAYGATE_SOCKET_TIMEOUT_MS);
  // Read when the server starts listening (lib/_http_server.js setupConnectionsTracking).
  (server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval = Math.min(1_000, Math.max(25, Math.floor(Math.min(config.PAYGATE_HEADERS_TIMEOUT_MS, config.PAYGATE_REQUEST_TIMEOUT_MS) / 4)));
}
