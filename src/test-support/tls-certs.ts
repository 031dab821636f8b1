/**
 * Certificates made in the test: a root CA, an intermediate, and a server certificate for
 * 127.0.0.1 / localhost signed by the intermediate. Keys come from node:crypto (fast, native);
 * node-forge only assembles and signs the X.509 structures.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

interface Issued { certPem: string; keyPem: string; cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey }

function rsaKey(): { keyPem: string; publicPem: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { keyPem: privateKey, publicPem: publicKey };
}

function issue(commonName: string, issuer: Issued | undefined, ca: boolean, days = 30): Issued {
  const { keyPem, publicPem } = rsaKey();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
  cert.serialNumber = `01${crypto.randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  const subject = [{ name: 'commonName', value: commonName }, { name: 'organizationName', value: 'Paygate test' }];
  cert.setSubject(subject);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : subject);
  cert.setExtensions(ca
    ? [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }]
    : [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ]);
  cert.sign(issuer?.key ?? key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem, cert, key };
}

export interface TestPki {
  /** What a client trusts: the root only, so a server that leaves the intermediate out fails the handshake. */
  caPem: string;
  intermediate: Issued;
  /** A new server certificate (and key) under the same intermediate; the chain file holds server + intermediate. */
  server(commonName?: string, days?: number): { chainPem: string; keyPem: string; fingerprint256: string };
}

export function createTestPki(): TestPki {
  const root = issue('Paygate test root', undefined, true);
  const intermediate = issue('Paygate test intermediate', root, true);
  return {
    caPem: root.certPem,
    intermediate,
    server(commonName = 'localhost', days = 30) {
      const leaf = issue(commonName, intermediate, false, days);
      return { chainPem: leaf.certPem + intermediate.certPem, keyPem: leaf.keyPem, fingerprint256: new crypto.X509Certificate(leaf.certPem).fingerprint256 };
    },
  };
}

/** Writes the pair the way a certificate manager replaces it: to a temp file, then renamed over the old one. */
export function writePair(dir: string, pair: { chainPem: string; keyPem: string }): { cert: string; key: string } {
  const cert = path.join(dir, 'tls.crt');
  const key = path.join(dir, 'tls.key');
  fs.writeFileSync(`${key}.tmp`, pair.keyPem, { mode: 0o600 });
  fs.renameSync(`${key}.tmp`, key);
  fs.writeFileSync(`${cert}.tmp`, pair.chainPem);
  fs.renameSync(`${cert}.tmp`, cert);
  return { cert, key };
}
