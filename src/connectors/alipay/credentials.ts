/**
 * Alipay account credentials (public-key mode). Keys are parsed once into KeyObjects so
 * that signing a request or checking a response never re-parses PEM.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { PaygateError } from '../../domain/errors.js';

export interface AlipayCredentials {
  readonly appId: string;
  /** The merchant's application private key: signs requests. */
  readonly privateKey: KeyObject;
  /** Alipay's public key for this app: verifies responses and notifications. */
  readonly alipayPublicKey: KeyObject;
}

// RSA2 is defined by Alipay for 2048-bit keys; anything shorter is a pasted test key or a
// truncated value.
const MIN_MODULUS_BITS = 2048;

function invalid(field: string, message: string): PaygateError {
  return new PaygateError('PROVIDER_ACCOUNT.INVALID_CREDENTIALS', `Alipay credentials: ${field} ${message}`, { field });
}

function requiredString(raw: Record<string, unknown>, field: string): string {
  const value = raw[field];
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, 'is required and must be a non-empty string');
  return value;
}

interface KeyText {
  /** PEM label ("PRIVATE KEY", "RSA PUBLIC KEY", ...) or null for bare base64. */
  label: string | null;
  der: Buffer;
}

const PEM = /^-----BEGIN ([A-Z0-9 ]+)-----\s*([\s\S]*?)\s*-----END \1-----$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The Alipay console shows keys as one base64 line without PEM armour, and secrets stored in
 * env files often carry literal "\n"; both are accepted. The PEM label is only advisory:
 * PKCS#8 bodies wrapped in "RSA PRIVATE KEY" armour (as alipay-sdk's own formatKey does by
 * default) are common, so the DER is tried in every encoding the key kind allows.
 */
function readKeyText(field: string, text: string): KeyText {
  const trimmed = text.replace(/\\n/g, '\n').trim();
  let label: string | null = null;
  let body = trimmed;
  if (trimmed.startsWith('-----BEGIN')) {
    const m = PEM.exec(trimmed);
    if (!m) throw invalid(field, 'has malformed PEM armour (BEGIN/END lines do not match)');
    label = m[1] ?? '';
    body = m[2] ?? '';
  }
  const compact = body.replace(/\s+/g, '');
  if (compact === '' || compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw invalid(field, 'is neither PEM nor base64 key text (encrypted PEM keys are not supported)');
  }
  return { label, der: Buffer.from(compact, 'base64') };
}

function checkRsa(field: string, key: KeyObject): KeyObject {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa') throw invalid(field, `must be an RSA key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  if (bits < MIN_MODULUS_BITS) throw invalid(field, `must be at least ${MIN_MODULUS_BITS} bits for RSA2, got ${bits}`);
  return key;
}

function parsePrivateKey(text: string): KeyObject {
  const field = 'private_key';
  const { label, der } = readKeyText(field, text);
  if (label !== null && label !== 'PRIVATE KEY' && label !== 'RSA PRIVATE KEY') {
    throw invalid(field, `must be a "PRIVATE KEY" or "RSA PRIVATE KEY" PEM, got "${label}"`);
  }
  for (const type of ['pkcs8', 'pkcs1'] as const) {
    try {
      return checkRsa(field, createPrivateKey({ key: der, format: 'der', type }));
    } catch (err) {
      if (err instanceof PaygateError) throw err;
    }
  }
  throw invalid(field, 'is not an RSA private key (PKCS#8 or PKCS#1)');
}

function parsePublicKey(text: string): KeyObject {
  const field = 'alipay_public_key';
  const { label, der } = readKeyText(field, text);
  if (label === 'CERTIFICATE') {
    throw invalid(field, 'is a certificate; certificate mode is not supported yet, paste the Alipay public key instead');
  }
  if (label !== null && label.includes('PRIVATE')) {
    throw invalid(field, 'holds a private key; it must be the Alipay public key (支付宝公钥) from the Alipay console');
  }
  if (label !== null && label !== 'PUBLIC KEY' && label !== 'RSA PUBLIC KEY') {
    throw invalid(field, `must be a "PUBLIC KEY" or "RSA PUBLIC KEY" PEM, got "${label}"`);
  }
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      return checkRsa(field, createPublicKey({ key: der, format: 'der', type }));
    } catch (err) {
      if (err instanceof PaygateError) throw err;
    }
  }
  throw invalid(field, 'is not an RSA public key (SPKI or PKCS#1)');
}

function spki(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ format: 'der', type: 'spki' });
}

export function parseAlipayCredentials(raw: unknown): AlipayCredentials {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PaygateError('PROVIDER_ACCOUNT.INVALID_CREDENTIALS', 'alipay credentials must be an object {app_id, private_key, alipay_public_key}');
  }
  const record = raw as Record<string, unknown>;
  const appId = requiredString(record, 'app_id').trim();
  // app_id is signed into every request and compared with every notification: reject
  // anything that could not survive a round trip through a form body unchanged.
  if (!/^[\x21-\x7e]{1,64}$/.test(appId)) throw invalid('app_id', 'must be 1..64 printable ASCII characters without spaces');
  const privateKey = parsePrivateKey(requiredString(record, 'private_key'));
  const alipayPublicKey = parsePublicKey(requiredString(record, 'alipay_public_key'));
  // The most common Alipay integration bug: pasting the app public key (the half of our own
  // key pair) where Alipay's key belongs. Every response check would then fail.
  if (spki(privateKey).equals(spki(alipayPublicKey))) {
    throw invalid(
      'alipay_public_key',
      'is the app public key derived from private_key; paste the ALIPAY public key (支付宝公钥) shown in the Alipay console instead',
    );
  }
  return Object.freeze({ appId, privateKey, alipayPublicKey });
}
