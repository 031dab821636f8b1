/**
 * Alipay account credentials, in either of Alipay's two signing modes: public-key mode
 * (alipay_public_key) or certificate mode (app_cert, alipay_public_cert, alipay_root_cert;
 * see certs.ts). Keys are parsed once into KeyObjects so that signing a request or checking
 * a response never re-parses PEM.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { PaygateError } from '../../domain/errors.js';
import { credentialObject, invalidCredential, requiredString as commonRequiredString } from '../common/credentials.js';
import { alipayKeysFor, parseCertMode, type CertModeMaterial, type KeyChoice } from './certs.js';

const LABEL = 'Alipay';

interface CommonCredentials {
  readonly appId: string;
  /** The merchant's application private key: signs requests. */
  readonly privateKey: KeyObject;
}

export interface AlipayKeyCredentials extends CommonCredentials {
  readonly mode: 'public_key';
  /** Alipay's public key for this app: verifies responses and notifications. */
  readonly alipayPublicKey: KeyObject;
}

export interface AlipayCertCredentials extends CommonCredentials {
  readonly mode: 'certificate';
  /** app_cert_sn, alipay_root_cert_sn and the Alipay public certificates by alipay_cert_sn. */
  readonly cert: CertModeMaterial;
}

export type AlipayCredentials = AlipayKeyCredentials | AlipayCertCredentials;

const CERT_FIELDS = ['app_cert', 'alipay_public_cert', 'alipay_root_cert'] as const;

// RSA2 is defined by Alipay for 2048-bit keys; anything shorter is a pasted test key or a
// truncated value.
const MIN_MODULUS_BITS = 2048;

const invalid = (field: string, message: string): PaygateError => invalidCredential(LABEL, field, message);

const requiredString = (raw: Readonly<Record<string, unknown>>, field: string): string => commonRequiredString(LABEL, raw, field);

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
  return firstRsaKey(field, ['pkcs8', 'pkcs1'] as const, (type) => createPrivateKey({ key: der, format: 'der', type }), 'is not an RSA private key (PKCS#8 or PKCS#1)');
}

function parsePublicKey(text: string): KeyObject {
  const field = 'alipay_public_key';
  const { label, der } = readKeyText(field, text);
  if (label === 'CERTIFICATE') {
    throw invalid(field, 'is a certificate; for certificate mode give app_cert, alipay_public_cert and alipay_root_cert instead of alipay_public_key');
  }
  if (label !== null && label.includes('PRIVATE')) {
    throw invalid(field, 'holds a private key; it must be the Alipay public key (支付宝公钥) from the Alipay console');
  }
  if (label !== null && label !== 'PUBLIC KEY' && label !== 'RSA PUBLIC KEY') {
    throw invalid(field, `must be a "PUBLIC KEY" or "RSA PUBLIC KEY" PEM, got "${label}"`);
  }
  return firstRsaKey(field, ['spki', 'pkcs1'] as const, (type) => createPublicKey({ key: der, format: 'der', type }), 'is not an RSA public key (SPKI or PKCS#1)');
}

/** Keys come as either DER encoding: the first that decodes to an RSA key wins; a decoded key that is not RSA is reported as such. */
function firstRsaKey<T extends string>(field: string, types: readonly T[], decode: (type: T) => KeyObject, notRsa: string): KeyObject {
  for (const type of types) {
    try {
      return checkRsa(field, decode(type));
    } catch (err) {
      if (err instanceof PaygateError) throw err;
    }
  }
  throw invalid(field, notRsa);
}

function spki(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ format: 'der', type: 'spki' });
}

export function parseAlipayCredentials(raw: unknown): AlipayCredentials {
  // Not an object at all: the message names the whole shape expected.
  const record = credentialObject(raw, () => new PaygateError('PROVIDER_ACCOUNT.INVALID_CREDENTIALS', 'alipay credentials must be an object {app_id, private_key, alipay_public_key} or, in certificate mode, {app_id, private_key, app_cert, alipay_public_cert, alipay_root_cert}'));
  const appId = requiredString(record, 'app_id').trim();
  // app_id is signed into every request and compared with every notification: reject
  // anything that could not survive a round trip through a form body unchanged.
  if (!/^[\x21-\x7e]{1,64}$/.test(appId)) throw invalid('app_id', 'must be 1..64 printable ASCII characters without spaces');
  const privateKey = parsePrivateKey(requiredString(record, 'private_key'));
  const certFields = CERT_FIELDS.filter((f) => record[f] !== undefined);
  if (certFields.length > 0) {
    // Mixing the modes would leave it open which key vouches for an answer.
    if (record.alipay_public_key !== undefined) {
      throw invalid('alipay_public_key', `must be left out in certificate mode (${certFields.join(', ')} given): Alipay signs with its certificate's key then`);
    }
    return Object.freeze({ mode: 'certificate', appId, privateKey, cert: parseCertMode(record, privateKey) });
  }
  const alipayPublicKey = parsePublicKey(requiredString(record, 'alipay_public_key'));
  // The most common Alipay integration bug: pasting the app public key (the half of our own
  // key pair) where Alipay's key belongs. Every response check would then fail.
  if (spki(privateKey).equals(spki(alipayPublicKey))) {
    throw invalid(
      'alipay_public_key',
      'is the app public key derived from private_key; paste the ALIPAY public key (支付宝公钥) shown in the Alipay console instead',
    );
  }
  return Object.freeze({ mode: 'public_key', appId, privateKey, alipayPublicKey });
}

/**
 * The Alipay keys that may have signed an answer or notification naming `certSn`
 * (alipay_cert_sn) at `now`. Public-key mode has exactly one and no SN to match.
 */
export function verificationKeys(credentials: AlipayCredentials, certSn: string | undefined, now: Date): KeyChoice {
  return credentials.mode === 'public_key' ? { ok: true, keys: [credentials.alipayPublicKey] } : alipayKeysFor(credentials.cert, certSn, now);
}

/** What to check when a signature does not verify: the usual mix-up, per mode. */
export function signatureHint(credentials: AlipayCredentials, certSnPresent: boolean): string {
  if (credentials.mode === 'certificate') {
    return 'check that alipay_public_cert is the ALIPAY public certificate (alipayCertPublicKey_RSA2.crt), not the app certificate';
  }
  const base = 'check that alipay_public_key is the ALIPAY public key (支付宝公钥) from the Alipay console, not your app public key (应用公钥)';
  // An alipay_cert_sn in the answer means the app signs in certificate mode at Alipay.
  return certSnPresent ? `${base}; the answer names an alipay_cert_sn, so this app uses certificate mode at Alipay: configure app_cert, alipay_public_cert and alipay_root_cert` : base;
}
