/** Admission and timeout settings: defaults, validation at boot, and what reaches the node server. */
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../infra/config.js';
import { trustProxy } from './admission.js';
import { applyTimeouts, heartbeatMs } from './timeouts.js';

describe('admission and timeout settings', () => {
  it('has defaults a public deployment can live with', () => {
    const c = loadConfig({});
    expect({
      rate: c.PAYGATE_CASHIER_RATE_PER_IP, cashier: c.PAYGATE_CASHIER_MAX_INFLIGHT, perPayment: c.PAYGATE_SSE_MAX_PER_PAYMENT, streams: c.PAYGATE_SSE_MAX_STREAMS,
      notify: c.PAYGATE_NOTIFY_MAX_INFLIGHT, sandbox: c.PAYGATE_SANDBOX_MAX_INFLIGHT, headers: c.PAYGATE_HEADERS_TIMEOUT_MS, request: c.PAYGATE_REQUEST_TIMEOUT_MS,
      keepAlive: c.PAYGATE_KEEPALIVE_TIMEOUT_MS, socket: c.PAYGATE_SOCKET_TIMEOUT_MS, proxy: c.PAYGATE_TRUST_PROXY,
    }).toEqual({ rate: 50, cashier: 256, perPayment: 16, streams: 10_000, notify: 256, sandbox: 256, headers: 10_000, request: 30_000, keepAlive: 72_000, socket: 120_000, proxy: 'loopback' });
  });

  it('refuses at boot what cannot work, naming the variable', () => {
    expect(() => loadConfig({ PAYGATE_HEADERS_TIMEOUT_MS: '5000', PAYGATE_REQUEST_TIMEOUT_MS: '1000' })).toThrow(/PAYGATE_HEADERS_TIMEOUT_MS must not exceed PAYGATE_REQUEST_TIMEOUT_MS/);
    expect(() => loadConfig({ PAYGATE_SOCKET_TIMEOUT_MS: '500' })).toThrow(ConfigError);
    expect(() => loadConfig({ PAYGATE_SSE_MAX_PER_PAYMENT: '0' })).toThrow(/PAYGATE_SSE_MAX_PER_PAYMENT/);
    expect(() => loadConfig({ PAYGATE_NOTIFY_MAX_INFLIGHT: '1' })).toThrow(/PAYGATE_NOTIFY_MAX_INFLIGHT/);
    for (const bad of ['true', '*', '10.0.0.0/33', '10.0.0.1/8/1', 'proxy.example', '2001:db8::/129', '1']) {
      expect(() => loadConfig({ PAYGATE_TRUST_PROXY: bad }), bad).toThrow(/PAYGATE_TRUST_PROXY/);
    }
  });

  it('passes the trusted proxies to Fastify, or nobody', () => {
    expect(trustProxy(loadConfig({ PAYGATE_TRUST_PROXY: ' 10.0.0.0/8 , loopback,2001:db8::/32' }))).toBe('10.0.0.0/8,loopback,2001:db8::/32');
    expect(trustProxy(loadConfig({ PAYGATE_TRUST_PROXY: 'none' }))).toBe(false);
    expect(trustProxy(loadConfig({}))).toBe('loopback');
  });

  it('sets every deadline on the node server, checked every quarter of the shorter one (at most 1 s)', () => {
    const server = http.createServer();
    applyTimeouts(server, loadConfig({ PAYGATE_HEADERS_TIMEOUT_MS: '400', PAYGATE_REQUEST_TIMEOUT_MS: '800', PAYGATE_KEEPALIVE_TIMEOUT_MS: '500', PAYGATE_SOCKET_TIMEOUT_MS: '1000' }));
    expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout, server.timeout]).toEqual([400, 800, 500, 1000]);
    expect((server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval).toBe(100);
    applyTimeouts(server, loadConfig({}));
    expect((server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval).toBe(1000);
  });

  it('beats the event streams often enough for the socket timeout, never more rarely than 15 s', () => {
    expect(heartbeatMs({ PAYGATE_SOCKET_TIMEOUT_MS: 120_000 })).toBe(15_000);
    expect(heartbeatMs({ PAYGATE_SOCKET_TIMEOUT_MS: 30_000 })).toBe(10_000);
    expect(heartbeatMs({ PAYGATE_SOCKET_TIMEOUT_MS: 1_000 })).toBe(333);
  });
});
