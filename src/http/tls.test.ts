/**
 * Built-in TLS against real TLS clients (node:tls), with a root → intermediate → server
 * chain made in the test: TLS 1.1 and CBC-only clients are refused, TLS 1.2 / 1.3 clients
 * get HSTS on every answer, plain HTTP redirects, and the certificate reloads (call, SIGHUP,
 * file change) while a request that is already in flight completes on the old one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../infra/config.js';
import { createRuntime } from '../runtime.js';
import { startAlipaySimulator } from '../simulators/alipay/index.js';
import { startGateway, waitFor, type Gateway } from '../test-support/harness.js';
import { createTestPki, writePair } from '../test-support/tls-certs.js';
import { readTlsMaterial } from './tls.js';

const pki = createTestPki();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygate-tls-'));
const first = pki.server();
const files = writePair(dir, first);
/** A new server certificate and key, written over the pair in `dir` (what an operator's renewal does). */
const renewPair = (into: string) => {
  const pair = pki.server();
  writePair(into, pair);
  return pair;
};

interface Handshake { protocol: string | null; cipher: string; fingerprint256: string; socket: tls.TLSSocket }

function handshake(port: number, o: tls.ConnectionOptions = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: pki.caPem, servername: 'localhost', ...o }, () => {
      resolve({ protocol: socket.getProtocol(), cipher: socket.getCipher().name, fingerprint256: socket.getPeerCertificate().fingerprint256, socket });
    });
    socket.once('error', reject);
  });
}

/** One HTTP/1.1 request over an established TLS socket; the answer's status line and headers. */
function requestOver(socket: tls.TLSSocket, p: string): Promise<{ status: number; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    // createConnection without an agent: the request goes over this very socket.
    const req = http.request({ createConnection: () => socket, path: p, host: 'localhost' }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string> });
    });
    req.once('error', reject);
    req.end();
  });
}

function plain(port: number, p: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

const portOf = (url: string) => Number(new URL(url).port);

describe('TLS configuration is checked at boot', () => {
  it('names the variable for an unreadable, non-PEM or mismatched certificate or key', () => {
    const other = pki.server();
    const bad = path.join(dir, 'garbage.pem');
    fs.writeFileSync(bad, 'not a certificate');
    const otherKey = path.join(dir, 'other.key');
    fs.writeFileSync(otherKey, other.keyPem);
    const cases: Array<[string, string, RegExp]> = [
      [path.join(dir, 'missing.crt'), files.key, /^PAYGATE_TLS_CERT: cannot read .*missing\.crt \(ENOENT\)/],
      [files.cert, path.join(dir, 'missing.key'), /^PAYGATE_TLS_KEY: cannot read .*missing\.key \(ENOENT\)/],
      [bad, files.key, /^PAYGATE_TLS_CERT: .*is not a PEM certificate/],
      [files.cert, bad, /^PAYGATE_TLS_KEY: .*is not an unencrypted PEM private key/],
      [files.cert, otherKey, /^PAYGATE_TLS_KEY: .*does not belong to the first certificate/],
    ];
    for (const [cert, key, message] of cases) {
      expect(() => readTlsMaterial(cert, key)).toThrow(ConfigError);
      expect(() => readTlsMaterial(cert, key)).toThrow(message);
    }
  });

  it('refuses half a pair, a redirect without TLS, and a bad certificate before anything starts', async () => {
    expect(() => loadConfig({ PAYGATE_TLS_CERT: files.cert })).toThrow(/PAYGATE_TLS_CERT and PAYGATE_TLS_KEY go together/);
    expect(() => loadConfig({ PAYGATE_HTTP_REDIRECT_PORT: '8081' })).toThrow(/PAYGATE_HTTP_REDIRECT_PORT redirects to HTTPS/);
    expect(loadConfig({ PAYGATE_TLS_CERT: files.cert, PAYGATE_TLS_KEY: files.key, PORT: '8443' }).publicUrl).toBe('https://127.0.0.1:8443');
    const dataDir = path.join(dir, 'never-created');
    await expect(createRuntime({ PAYGATE_DATA_DIR: dataDir, PAYGATE_TLS_CERT: path.join(dir, 'missing.crt'), PAYGATE_TLS_KEY: files.key, LOG_LEVEL: 'silent' }))
      .rejects.toThrow(/PAYGATE_TLS_CERT: cannot read/);
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});

describe('HTTPS listener', () => {
  let gw: Gateway;
  let port: number;
  let sim: Awaited<ReturnType<typeof startAlipaySimulator>>;

  beforeAll(async () => {
    // The provider is a plain-HTTP simulator of its own: the gateway's outbound calls do not trust the test CA.
    sim = await startAlipaySimulator({ port: 0, dataDir: path.join(dir, 'sim'), timeScale: 0.001 });
    gw = await startGateway({
      db: 'sqlite', ca: pki.caPem,
      env: { PAYGATE_TLS_CERT: files.cert, PAYGATE_TLS_KEY: files.key, PAYGATE_HTTP_REDIRECT_PORT: '0', PAYGATE_SIMULATORS: 'false' },
    });
    port = portOf(gw.url);
  });
  afterAll(async () => {
    await gw?.stop();
    await sim?.close();
  });

  const merchant = async () => {
    const m = await gw.admin<{ id: string; secret_key: string }>('POST', '/admin/merchants', { name: 'TLS Shop' });
    const account = await gw.admin('POST', `/admin/merchants/${m.body.id}/provider_accounts`, { provider: 'alipay', mode: 'sandbox', base_url: `${sim.url}/sandbox/alipay`, credentials: sim.sim.registerApp() });
    expect(account.status).toBe(201);
    return { key: m.body.secret_key };
  };

  it('serves https and refuses a TLS 1.1 client (while the same client allowed TLS 1.2 gets in)', async () => {
    expect(gw.url).toBe(`https://127.0.0.1:${port}`);
    const legacy = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } as const;
    await expect(handshake(port, legacy)).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
    const ok = await handshake(port, { ...legacy, maxVersion: 'TLSv1.2' });
    expect(ok.protocol).toBe('TLSv1.2');
    ok.socket.destroy();
  });

  it('refuses a TLS 1.2 client that only offers CBC or non-forward-secret suites', async () => {
    for (const ciphers of ['ECDHE-RSA-AES128-SHA', 'AES128-GCM-SHA256', 'AES256-SHA256']) {
      await expect(handshake(port, { maxVersion: 'TLSv1.2', ciphers }), ciphers).rejects.toMatchObject({ code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' });
    }
  });

  it('TLS 1.2 and 1.3 clients complete the chain from the root alone and get HSTS', async () => {
    for (const [version, cipher] of [['TLSv1.2', /^ECDHE-RSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/], ['TLSv1.3', /^TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/]] as const) {
      const h = await handshake(port, { minVersion: version, maxVersion: version });
      expect(h.protocol).toBe(version);
      expect(h.cipher).toMatch(cipher);
      // rejectUnauthorized (the default) with only the root trusted: the server sent the intermediate.
      expect(h.fingerprint256).toBe(first.fingerprint256);
      const res = await requestOver(h.socket, '/healthz');
      expect(res.status).toBe(200);
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
      h.socket.destroy();
    }
  });

  it('puts HSTS on errors, 404s and the hijacked cashier event stream too', async () => {
    const unauth = await gw.api('nope', 'GET', '/v1/payments');
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const missing = await gw.api('nope', 'GET', '/no/such/route');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('strict-transport-security')).toBe('max-age=31536000');

    const m = await merchant();
    const p = await gw.api<{ id: string }>(m.key, 'POST', '/v1/payments', { amount: 100, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'TLS-SSE-1' });
    expect(p.status).toBe(201);
    const h = await handshake(port);
    const sse = await requestOver(h.socket, `/pay/${p.body.id}/events`);
    expect(sse.headers['content-type']).toMatch(/text\/event-stream/);
    expect(sse.headers['strict-transport-security']).toBe('max-age=31536000');
    h.socket.destroy();
  });

  it('the plain-HTTP port answers 308 to the same path on https, without HSTS, and /healthz', async () => {
    const redirectPort = portOf(gw.rt.listeners.redirect!);
    const r = await plain(redirectPort, '/v1/payments?limit=2', { host: `127.0.0.1:${redirectPort}` });
    expect(r.status).toBe(308);
    expect(r.headers.location).toBe(`https://127.0.0.1:${port}/v1/payments?limit=2`);
    expect(r.headers['strict-transport-security']).toBeUndefined();
    // The origin is never taken from the path: //evil.example and absolute-form targets stay on ours.
    expect((await plain(redirectPort, '//evil.example/x', { host: 'localhost' })).headers.location).toBe(`https://localhost:${port}//evil.example/x`);
    expect((await plain(redirectPort, 'http://evil.example/y?z=1', { host: 'localhost' })).headers.location).toBe(`https://localhost:${port}/y?z=1`);
    const bad = await plain(redirectPort, '/x', { host: 'a b' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: { code: 'VALIDATION.INVALID_HEADER', field: 'host' } });
    const health = await plain(redirectPort, '/healthz');
    expect(health.status).toBe(200);
    expect(health.headers['strict-transport-security']).toBeUndefined();
  });

  it('reloads the certificate: an in-flight request completes, new connections get the new one; a bad pair keeps the old', async () => {
    const m = await merchant();
    // A create whose body is half sent when the certificate changes.
    const body = JSON.stringify({ amount: 250, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'TLS-RELOAD-1' });
    const old = await handshake(port);
    expect(old.fingerprint256).toBe(first.fingerprint256);
    let req!: http.ClientRequest;
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      req = http.request({
        createConnection: () => old.socket, method: 'POST', path: '/v1/payments', host: 'localhost',
        headers: { authorization: `Bearer ${m.key}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => { text += c.toString(); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.once('error', reject);
    });
    req.write(body.slice(0, 20));
    await new Promise((r) => setTimeout(r, 100));
    const second = renewPair(dir);
    expect(gw.rt.reloadTls()).toBe(true);
    const fresh = await handshake(port);
    expect(fresh.fingerprint256).toBe(second.fingerprint256);
    fresh.socket.destroy();
    req.end(body.slice(20));
    const done = await answer;
    expect(done.status, done.text).toBe(201);
    expect(JSON.parse(done.text)).toMatchObject({ merchant_order_id: 'TLS-RELOAD-1', status: 'requires_action' });
    old.socket.destroy();

    // SIGHUP: the handler swaps synchronously, so the next handshake already sees it.
    const third = renewPair(dir);
    process.emit('SIGHUP', 'SIGHUP');
    const afterHup = await handshake(port);
    expect(afterHup.fingerprint256).toBe(third.fingerprint256);
    afterHup.socket.destroy();

    // A file change alone is picked up (polled, debounced).
    const fourth = renewPair(dir);
    await waitFor(async () => {
      const h = await handshake(port);
      h.socket.destroy();
      return h.fingerprint256 === fourth.fingerprint256 || undefined;
    }, { timeoutMs: 15_000, what: 'the watched certificate file to be served' });

    // A broken certificate file keeps the previous pair in service; the TLS floor survives reloads.
    fs.writeFileSync(files.cert, 'garbage');
    expect(gw.rt.reloadTls()).toBe(false);
    const still = await handshake(port);
    expect(still.fingerprint256).toBe(fourth.fingerprint256);
    still.socket.destroy();
    await expect(handshake(port, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
    writePair(dir, fourth);
  });
});

describe('admin listener over TLS', () => {
  it('speaks the same TLS (floor, HSTS, reloads) and closes its connections on stop', async () => {
    const own = path.join(dir, 'admin');
    fs.mkdirSync(own);
    const pair = pki.server();
    const adminFiles = writePair(own, pair);
    const gw = await startGateway({ db: 'sqlite', ca: pki.caPem, env: {
      PAYGATE_TLS_CERT: adminFiles.cert, PAYGATE_TLS_KEY: adminFiles.key, PAYGATE_ADMIN_LISTEN: '127.0.0.1:0', PAYGATE_SIMULATORS: 'false',
      PAYGATE_HEADERS_TIMEOUT_MS: '50000', PAYGATE_REQUEST_TIMEOUT_MS: '50000',
    } });
    let stopped = false;
    try {
      const adminPort = portOf(gw.rt.listeners.admin!);
      expect(gw.rt.listeners.admin).toBe(`https://127.0.0.1:${adminPort}`);
      await expect(handshake(adminPort, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
      const h = await handshake(adminPort);
      expect(h.fingerprint256).toBe(pair.fingerprint256);
      const res = await requestOver(h.socket, '/healthz');
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
      expect((await gw.admin('GET', '/admin/merchants')).status).toBe(200);

      const next = renewPair(own);
      expect(gw.rt.reloadTls()).toBe(true);
      const after = await handshake(adminPort);
      expect(after.fingerprint256).toBe(next.fingerprint256);
      after.socket.destroy();

      // A connection whose request is still arriving (headers half sent) when the node stops:
      // not idle, so server.close() alone would wait for the headers timeout (50 s here).
      const slow = await handshake(adminPort);
      slow.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
      const closed = new Promise<void>((resolve) => slow.socket.once('close', () => resolve()));
      await new Promise((r) => setTimeout(r, 100));
      const t0 = Date.now();
      await gw.stop();
      stopped = true;
      await closed;
      expect(Date.now() - t0).toBeLessThan(20_000);
    } finally {
      if (!stopped) await gw.stop();
    }
  });
});

describe('HSTS options and plain HTTP', () => {
  it('adds includeSubDomains and the max-age only when asked, and never over plain HTTP; warns of a certificate near its end', async () => {
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub);
    const short = pki.server('localhost', 5.5);
    const pair = writePair(sub, short);
    const secure = await startGateway({ db: 'sqlite', ca: pki.caPem, env: { PAYGATE_TLS_CERT: pair.cert, PAYGATE_TLS_KEY: pair.key, PAYGATE_HSTS_MAX_AGE: '600', PAYGATE_HSTS_INCLUDE_SUBDOMAINS: 'true' } });
    const insecure = await startGateway({ db: 'sqlite' });
    try {
      expect((await secure.api('x', 'GET', '/healthz')).headers.get('strict-transport-security')).toBe('max-age=600; includeSubDomains');
      expect(insecure.url).toMatch(/^http:\/\//);
      expect((await insecure.api('x', 'GET', '/healthz')).headers.get('strict-transport-security')).toBeNull();
      const notes = secure.rt.notes.join('\n');
      expect(notes).toMatch(/the TLS certificate in PAYGATE_TLS_CERT expires in 5 days/);
      const notAfter = Math.floor(new Date(new crypto.X509Certificate(short.chainPem).validTo).getTime() / 1000);
      expect((await secure.api('x', 'GET', '/metrics')).text).toContain(`paygate_tls_certificate_expiry_seconds ${notAfter}`);
      // The harness mounts the simulators: over TLS with a test CA the node must be told to trust itself.
      expect(notes).toContain("sandbox accounts call the in-process simulators at this node's public URL over TLS");
      expect(insecure.rt.notes.join('\n')).not.toMatch(/TLS/);
    } finally {
      await secure.stop();
      await insecure.stop();
    }
  });
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
