// The simulator-wide "WeChat Pay" signing material, generated at first start and kept in the
// data dir, because merchants' provider accounts are configured with its public parts:
// a public key with a PUB_KEY_ID_… id (public-key mode) and a platform certificate with its
// hex serial (platform-certificate mode), each with its own key pair.
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { derSerialHex, rsaPemPair } from '../common/certs.js';
import { newPublicKeyId, newSerial } from './ids.js';

export interface PemPair {
  /** PKCS#8 ("BEGIN PRIVATE KEY"), the form of apiclient_key.pem. */
  privateKeyPem: string;
  /** SPKI ("BEGIN PUBLIC KEY"). */
  publicKeyPem: string;
}

export interface Signer {
  /** Wechatpay-Serial value announcing this key. */
  serial: string;
  privateKey: KeyObject;
}

export interface PlatformKeys {
  publicKeyMode: Signer & { publicKeyPem: string };
  certificateMode: Signer & { certificatePem: string };
}

export const generateRsaPemPair = (): PemPair => rsaPemPair();

/**
 * A self-signed certificate in the shape of a WeChat Pay platform certificate (CN "Tenpay.com
 * Root CA"-issued in production; here self-issued, the gateway only uses its key and serial).
 */
export function makePlatformCertificate(pair: PemPair, serialHex: string, validFrom: Date, validTo: Date): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(pair.publicKeyPem);
  cert.serialNumber = derSerialHex(serialHex);
  cert.validity.notBefore = validFrom;
  cert.validity.notAfter = validTo;
  const attrs = [
    { name: 'commonName', value: 'Tenpay.com sandbox platform certificate' },
    { name: 'organizationName', value: 'Paygate WeChat Pay simulator' },
    { name: 'countryName', value: 'CN' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(forge.pki.privateKeyFromPem(pair.privateKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

const KEYS_FILE = 'wechatpay-keys.json';

interface KeysFile {
  public_key_id: string;
  public_key_private: string;
  public_key: string;
  certificate_private: string;
  certificate: string;
}

function isKeysFile(v: unknown): v is KeysFile {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return ['public_key_id', 'public_key_private', 'public_key', 'certificate_private', 'certificate'].every((k) => typeof r[k] === 'string');
}

function toKeys(f: KeysFile): PlatformKeys {
  const cert = new X509Certificate(f.certificate);
  return {
    publicKeyMode: { serial: f.public_key_id, privateKey: createPrivateKey(f.public_key_private), publicKeyPem: createPublicKey(f.public_key).export({ type: 'spki', format: 'pem' }).toString() },
    certificateMode: { serial: cert.serialNumber.replace(/^0+(?=.)/, '').toUpperCase(), privateKey: createPrivateKey(f.certificate_private), certificatePem: f.certificate },
  };
}

function generate(now: number): KeysFile {
  const pk = generateRsaPemPair();
  const cp = generateRsaPemPair();
  const certificate = makePlatformCertificate(cp, newSerial(), new Date(now - 86_400_000), new Date(now + 5 * 365 * 86_400_000));
  return { public_key_id: newPublicKeyId(), public_key_private: pk.privateKeyPem, public_key: pk.publicKeyPem, certificate_private: cp.privateKeyPem, certificate };
}

export function loadOrCreatePlatformKeys(dataDir: string | undefined, now = Date.now()): PlatformKeys {
  if (dataDir === undefined) return toKeys(generate(now));
  const file = join(dataDir, KEYS_FILE);
  if (existsSync(file)) {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isKeysFile(parsed)) throw new Error(`${file} is not a WeChat Pay simulator key file`);
    return toKeys(parsed);
  }
  const content = generate(now);
  mkdirSync(dataDir, { recursive: true });
  // Write-then-rename so a crash never leaves a half-written key file behind.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(content, null, 2), { mode: 0o600 });
  renameSync(tmp, file);
  return toKeys(content);
}

/** A merchant API public key as pasted: SPKI/PKCS#1 PEM. Returns SPKI PEM; throws with a fixable message. */
export function normalizeMerchantPublicKey(input: string): string {
  let key: KeyObject;
  try {
    key = createPublicKey(input.trim());
  } catch {
    throw new Error('merchant_public_key is not a PEM RSA public key');
  }
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new Error('merchant_public_key must be an RSA key of at least 2048 bits');
  return key.export({ type: 'spki', format: 'pem' }).toString();
}
