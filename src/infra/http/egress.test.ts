/**
 * The connect-time guard. Every case that involves a refused address other than loopback
 * uses a spy connector, so a bug here could never put a packet on a private network; the
 * end-to-end cases resolve to loopback, where a counting server proves nothing connected.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import tls from 'node:tls';
import type { Socket } from 'node:net';
import forge from 'node-forge';
import { buildConnector } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowList } from './address-policy.js';
import { EgressRefusedError, guardedConnector, vetHost, type Resolver } from './egress.js';
import { createTransport } from './transport.js';

const none = parseAllowList('none');
const loopback = parseAllowList('127.0.0.0/8,::1');
const fixed = (...addresses: string[]): Resolver => async () => addresses;

function spy() {
  const calls: buildConnector.Options[] = [];
  const connector: buildConnector.connector = (options, callback) => {
    calls.push(options);
    callback(new Error('spy: not connecting'), null);
  };
  return { calls, connector };
}

function connectWith(connector: buildConnector.connector, options: buildConnector.Options): Promise<Socket> {
  return new Promise((resolve, reject) => connector(options, (err, socket) => (err ? reject(err) : resolve(socket!))));
}

describe('vetHost / guardedConnector', () => {
  it('refuses a host name whose address is private, and never hands it to the socket connector', async () => {
    const s = spy();
    const connector = guardedConnector({ allow: none, resolve: fixed('10.0.0.1'), baseConnector: s.connector });
    const err = await connectWith(connector, { hostname: 'hooks.example', host: 'hooks.example', protocol: 'http:', port: '80' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EgressRefusedError);
    expect((err as Error).message).toBe('address 10.0.0.1 of hooks.example is private; allow it with PAYGATE_WEBHOOK_ALLOWED_HOSTS');
    expect(s.calls).toHaveLength(0);
  });

  it('refuses the whole name when any of its addresses is refused', async () => {
    await expect(vetHost('mixed.example', none, fixed('93.184.215.14', 'fd00::1'))).rejects.toThrow(/address fd00::1 of mixed.example is unique local/);
    await expect(vetHost('mapped.example', none, fixed('::ffff:169.254.169.254'))).rejects.toThrow(/link-local \(IPv4-mapped/);
  });

  it('checks literal addresses without DNS, bracketed IPv6 included', async () => {
    let lookups = 0;
    const counting: Resolver = async () => { lookups++; return ['93.184.215.14']; };
    await expect(vetHost('[::ffff:7f00:1]', none, counting)).rejects.toThrow(/loopback/);
    await expect(vetHost('169.254.169.254', none, counting)).rejects.toThrow(/address 169\.254\.169\.254 is link-local/);
    expect(await vetHost('93.184.215.14', none, counting)).toEqual(['93.184.215.14']);
    expect(lookups).toBe(0);
  });

  it('a host named in the allow list may resolve anywhere', async () => {
    expect(await vetHost('Hooks.Internal.', parseAllowList('hooks.internal'), fixed('10.9.8.7'))).toEqual(['10.9.8.7']);
  });

  it('connects to the address it checked: one lookup per connection, no second resolution to rebind', async () => {
    let lookups = 0;
    // A rebinding DNS server: harmless the first time, inside on every later answer.
    const rebinding: Resolver = async () => (++lookups === 1 ? ['93.184.215.14'] : ['10.0.0.1']);
    const s = spy();
    const connector = guardedConnector({ allow: none, resolve: rebinding, baseConnector: s.connector });
    await connectWith(connector, { hostname: 'rebind.example', host: 'rebind.example:8443', protocol: 'https:', port: '8443' }).catch(() => undefined);
    expect(s.calls).toEqual([expect.objectContaining({ hostname: '93.184.215.14', host: 'rebind.example:8443', protocol: 'https:' })]);
    expect(lookups).toBe(1);
    // The next connection resolves again, gets the inside address, and is refused before any socket.
    const err = await connectWith(connector, { hostname: 'rebind.example', host: 'rebind.example:8443', protocol: 'https:', port: '8443' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EgressRefusedError);
    expect(s.calls).toHaveLength(1);
  });

  it('tries the next vetted address when one does not connect', async () => {
    const tried: string[] = [];
    const base: buildConnector.connector = (options, callback) => {
      tried.push(options.hostname);
      if (options.hostname === '2606:4700::1') callback(Object.assign(new Error('connect ENETUNREACH'), { code: 'ENETUNREACH' }), null);
      else callback(new Error('stop here'), null);
    };
    const connector = guardedConnector({ allow: none, resolve: fixed('2606:4700::1', '93.184.215.14'), baseConnector: base });
    await expect(connectWith(connector, { hostname: 'dual.example', protocol: 'http:', port: '80' })).rejects.toThrow('stop here');
    expect(tried).toEqual(['2606:4700::1', '93.184.215.14']);
  });
});

describe('TLS through the guard', () => {
  let server: tls.Server;
  let port: number;
  let caPem: string;
  const sni: string[] = [];
  beforeAll(async () => {
    const keys = crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
    cert.serialNumber = '01' + crypto.randomBytes(8).toString('hex');
    cert.validity.notBefore = new Date(Date.now() - 3600_000);
    cert.validity.notAfter = new Date(Date.now() + 86_400_000);
    const subject = [{ name: 'commonName', value: 'hooks.test' }];
    cert.setSubject(subject);
    cert.setIssuer(subject);
    cert.setExtensions([{ name: 'basicConstraints', cA: true }, { name: 'subjectAltName', altNames: [{ type: 2, value: 'hooks.test' }] }]);
    cert.sign(forge.pki.privateKeyFromPem(keys.privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
    caPem = forge.pki.certificateToPem(cert);
    const context = tls.createSecureContext({ key: keys.privateKey, cert: caPem });
    // SNICallback runs during the handshake, before the client sees it complete.
    server = tls.createServer({ key: keys.privateKey, cert: caPem, SNICallback: (name, cb) => { sni.push(name); cb(null, context); } }, (socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('dials the vetted address but sends SNI for, and verifies the certificate against, the URL host name', async () => {
    const connector = guardedConnector({ allow: loopback, resolve: fixed('127.0.0.1'), baseConnector: buildConnector({ ca: [caPem], timeout: 5000 }) });
    const socket = (await connectWith(connector, { hostname: 'hooks.test', host: `hooks.test:${port}`, protocol: 'https:', port: String(port) })) as tls.TLSSocket;
    expect(socket.authorized).toBe(true);
    expect(socket.remoteAddress).toBe('127.0.0.1');
    socket.destroy();
    expect(sni).toEqual(['hooks.test']);
    // And the check is real: another name on the same address fails verification.
    await expect(connectWith(connector, { hostname: 'other.test', host: `other.test:${port}`, protocol: 'https:', port: String(port) })).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });
});

describe('the transport with an egress policy', () => {
  let server: http.Server;
  let port: number;
  let connections = 0;
  const hosts: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hosts.push(String(req.headers.host));
      if (req.url === '/redirect') res.writeHead(302, { location: `http://127.0.0.1:${port}/inside` }).end();
      else res.writeHead(200).end('ok');
    });
    server.on('connection', () => { connections++; });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));

  it('refuses a name that resolves to loopback, and the server sees no connection', async () => {
    const transport = createTransport({ resolve: fixed('127.0.0.1') });
    try {
      const before = connections;
      for (const url of [`http://hooks.test:${port}/hook`, `http://127.0.0.1:${port}/hook`, `http://[::ffff:127.0.0.1]:${port}/hook`, `http://2130706433:${port}/hook`]) {
        await expect(transport.send({ method: 'POST', url, headers: {}, body: '{}' }, 2000, undefined, { egress: none }), url).rejects.toBeInstanceOf(EgressRefusedError);
      }
      expect(connections).toBe(before);
    } finally {
      await transport.close();
    }
  });

  it('delivers when the policy allows the address, keeping the URL host in the Host header', async () => {
    const transport = createTransport({ resolve: fixed('127.0.0.1') });
    try {
      const res = await transport.send({ method: 'POST', url: `http://hooks.test:${port}/hook`, headers: {}, body: '{}' }, 2000, undefined, { egress: loopback });
      expect(res.status).toBe(200);
      expect(hosts.at(-1)).toBe(`hooks.test:${port}`);
    } finally {
      await transport.close();
    }
  });

  it('answers a 302 as it is, without following it', async () => {
    const transport = createTransport();
    try {
      const before = hosts.length;
      const res = await transport.send({ method: 'POST', url: `http://127.0.0.1:${port}/redirect`, headers: {}, body: '{}' }, 2000, undefined, { egress: loopback });
      expect(res.status).toBe(302);
      expect(hosts.length).toBe(before + 1);
    } finally {
      await transport.close();
    }
  });

  it('provider calls (no egress policy) are unchanged', async () => {
    const transport = createTransport({ resolve: fixed('10.0.0.1') });
    try {
      expect((await transport.send({ method: 'GET', url: `http://127.0.0.1:${port}/`, headers: {} }, 2000)).status).toBe(200);
    } finally {
      await transport.close();
    }
  });
});
