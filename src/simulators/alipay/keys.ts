import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { rsaPemPair, type PemPair } from '../common/certs.js';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AlipayKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
}

export type PemKeyPair = PemPair;

/** PKCS#1 ("BEGIN RSA PRIVATE KEY"): the form alipay-sdk expects with its default keyType. */
export const generateRsaPemPair = (): PemKeyPair => rsaPemPair('pkcs1');

const KEYS_FILE = 'alipay-keys.json';

interface KeysFile {
  alipay_private_key: string;
  alipay_public_key: string;
}

function isKeysFile(v: unknown): v is KeysFile {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.alipay_private_key === 'string' && typeof r.alipay_public_key === 'string';
}

function toKeyPair(pems: PemKeyPair): AlipayKeyPair {
  const privateKey = createPrivateKey(pems.privateKeyPem);
  const publicKey = createPublicKey(pems.publicKeyPem);
  return { privateKey, publicKey, publicKeyPem: pems.publicKeyPem };
}

/**
 * The simulator-wide "Alipay" key pair. With a data dir it is generated once and reused,
 * because merchants' provider accounts are configured with its public key.
 */
export function loadOrCreateAlipayKeys(dataDir: string | undefined): AlipayKeyPair {
  if (dataDir === undefined) return toKeyPair(generateRsaPemPair());
  const file = join(dataDir, KEYS_FILE);
  if (existsSync(file)) {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isKeysFile(parsed)) throw new Error(`${file} is not an Alipay simulator key file`);
    return toKeyPair({ privateKeyPem: parsed.alipay_private_key, publicKeyPem: parsed.alipay_public_key });
  }
  const pems = generateRsaPemPair();
  mkdirSync(dataDir, { recursive: true });
  const content: KeysFile = { alipay_private_key: pems.privateKeyPem, alipay_public_key: pems.publicKeyPem };
  // Write-then-rename so a crash never leaves a half-written key file behind.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(content, null, 2), { mode: 0o600 });
  renameSync(tmp, file);
  return toKeyPair(pems);
}

/**
 * Accepts an app public key the way merchants paste it: SPKI PEM, PKCS#1 PEM, or the bare
 * base64 body that Alipay's key tool shows. Returns SPKI PEM; throws with a fixable message.
 */
export function normalizeAppPublicKey(input: string): string {
  const trimmed = input.trim();
  if (trimmed.length === 0 || trimmed.length > 8192) throw new Error('app_public_key must be a non-empty PEM or base64 string');
  let key: KeyObject;
  try {
    key = trimmed.includes('-----BEGIN')
      ? createPublicKey(trimmed)
      : createPublicKey({ key: Buffer.from(trimmed.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new Error('app_public_key is not a valid RSA public key (expected SPKI/PKCS#1 PEM or base64 SPKI DER)');
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error('app_public_key must be an RSA key (sign_type RSA2)');
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) throw new Error(`app_public_key must be at least 2048 bits, got ${bits}`);
  return key.export({ type: 'spki', format: 'pem' }).toString();
}
