// The simulator's webhook signing identity: an RSA key and a self-issued certificate, served
// at <base>/certs/<cert id>.pem (on the account's base_url host, so pinned for sandbox
// accounts). Kept in <dataDir>/paypal-keys.json so webhooks verify across restarts.
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface SigningKeys { certId: string; certPem: string; privateKey: KeyObject }

interface KeyFile { certId: string; certPem: string; privateKeyPem: string }

function create(): KeyFile {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = `1${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 5 * 365 * 24 * 3600_000);
  const subject = [{ name: 'commonName', value: 'messageverificationcerts.sandbox.paypal.com (simulator)' }, { name: 'organizationName', value: 'PayPal Sandbox Simulator' }, { name: 'countryName', value: 'US' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([{ name: 'basicConstraints', cA: false }, { name: 'keyUsage', critical: true, digitalSignature: true }]);
  const forgeKey = forge.pki.privateKeyFromPem(privateKey);
  cert.sign(forgeKey, forge.md.sha256.create());
  const hex = randomBytes(12).toString('hex');
  return { certId: `CERT-${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16)}`, certPem: forge.pki.certificateToPem(cert), privateKeyPem: privateKey };
}

export function loadOrCreateKeys(dataDir: string | undefined): SigningKeys {
  let file: KeyFile | undefined;
  const path = dataDir === undefined ? undefined : join(dataDir, 'paypal-keys.json');
  if (path && existsSync(path)) file = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
  if (!file) {
    file = create();
    if (path && dataDir) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(`${path}.tmp`, JSON.stringify(file), { mode: 0o600 });
      renameSync(`${path}.tmp`, path);
    }
  }
  return { certId: file.certId, certPem: file.certPem, privateKey: createPrivateKey(file.privateKeyPem) };
}

/** CRC-32/ISO-HDLC computed bit by bit (the gateway uses a table; keeping them different catches a bug in either). */
export function crc32(data: Buffer): number {
  let crc = ~0;
  for (const byte of data) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** PAYPAL-TRANSMISSION-SIG: SHA256withRSA over "id|time|webhook_id|crc32(body)". */
export function transmissionSig(keys: SigningKeys, transmissionId: string, time: string, webhookId: string, body: string): string {
  const message = `${transmissionId}|${time}|${webhookId}|${crc32(Buffer.from(body, 'utf8'))}`;
  return sign('sha256', Buffer.from(message, 'utf8'), keys.privateKey).toString('base64');
}
