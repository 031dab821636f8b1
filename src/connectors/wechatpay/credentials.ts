/**
 * WeChat Pay APIv3 account credentials. Keys and certificates are parsed once into
 * KeyObjects (the app caches parsed credentials per account), so signing and verifying never
 * re-parse PEM. Two ways to verify WeChat Pay's signatures exist and may be combined during a
 * migration: public-key mode (wechatpay_public_key_id + wechatpay_public_key, the only mode
 * for new merchants) and platform-certificate mode (platform_certificates, several at once
 * while WeChat rotates them).
 */
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { PaygateError } from '../../domain/errors.js';
import { credentialObject, invalidCredential, requiredString as commonRequiredString } from '../common/credentials.js';

const LABEL = 'WeChat Pay';

export interface Verifier {
  readonly key: KeyObject;
  readonly source: 'public_key' | 'certificate';
  /** Certificate validity (epoch ms); public keys have none. */
  readonly notBefore?: number;
  readonly notAfter?: number;
}

export interface WechatpayCredentials {
  readonly mchid: string;
  readonly appid: string;
  /** Serial of the merchant API certificate: tells WeChat Pay which key signed our requests. */
  readonly merchantSerialNo: string;
  readonly privateKey: KeyObject;
  /** The 32-byte APIv3 key (its UTF-8 bytes): AES-256-GCM key of notification resources. */
  readonly apiv3Key: Buffer;
  /** Keys WeChat Pay signs with, by normalised Wechatpay-Serial (see serialKey). */
  readonly verifiers: ReadonlyMap<string, Verifier>;
}

export const PUBLIC_KEY_ID_PREFIX = 'PUB_KEY_ID_';
const MIN_MODULUS_BITS = 2048;

const invalid = (field: string, message: string): PaygateError => invalidCredential(LABEL, field, message);

const requiredString = (raw: Readonly<Record<string, unknown>>, field: string): string => commonRequiredString(LABEL, raw, field).trim();

/**
 * Certificate serials are hex and compared without case or leading zeros (the same number
 * may be printed either way); public-key ids are opaque and compared exactly.
 */
export function serialKey(serial: string): string {
  if (serial.startsWith(PUBLIC_KEY_ID_PREFIX)) return serial;
  return /^[0-9A-Fa-f]+$/.test(serial) ? serial.toUpperCase().replace(/^0+(?=.)/, '') : serial;
}

// Env files and JSON often carry PEM with literal "\n"; PEM parsing needs real newlines.
const unescapePem = (text: string): string => text.replace(/\\n/g, '\n').trim();

function checkRsa(field: string, key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'rsa') throw invalid(field, `must be an RSA key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_MODULUS_BITS) throw invalid(field, `must be at least ${MIN_MODULUS_BITS} bits (WECHATPAY2-SHA256-RSA2048), got ${bits}`);
  return key;
}

function parsePrivateKey(text: string): KeyObject {
  if (text.includes('CERTIFICATE')) throw invalid('private_key', 'is a certificate; paste apiclient_key.pem (the merchant API private key)');
  try {
    return checkRsa('private_key', createPrivateKey(unescapePem(text)));
  } catch (err) {
    if (err instanceof PaygateError) throw err;
    throw invalid('private_key', 'is not a PEM RSA private key (apiclient_key.pem, "BEGIN PRIVATE KEY")');
  }
}

function parsePublicKey(text: string): KeyObject {
  const field = 'wechatpay_public_key';
  if (text.includes('PRIVATE')) throw invalid(field, 'holds a private key; paste the WeChat Pay public key (pub_key.pem) from the merchant platform');
  try {
    return checkRsa(field, createPublicKey(unescapePem(text)));
  } catch (err) {
    if (err instanceof PaygateError) throw err;
    throw invalid(field, 'is not a PEM RSA public key ("BEGIN PUBLIC KEY")');
  }
}

function parseCertificate(text: unknown, index: number): [string, Verifier] {
  const field = `platform_certificates[${index}]`;
  if (typeof text !== 'string' || text.trim() === '') throw invalid(field, 'must be a PEM certificate string');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(unescapePem(text));
  } catch {
    throw invalid(field, 'is not a PEM X.509 certificate ("BEGIN CERTIFICATE")');
  }
  const key = checkRsa(field, cert.publicKey);
  return [serialKey(cert.serialNumber), { key, source: 'certificate', notBefore: Date.parse(cert.validFrom), notAfter: Date.parse(cert.validTo) }];
}

function spki(key: KeyObject): Buffer {
  return (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'der', type: 'spki' });
}

function parseApiv3Key(raw: Record<string, unknown>): Buffer {
  const value = raw.apiv3_key;
  if (typeof value !== 'string') throw invalid('apiv3_key', 'is required: the 32-character APIv3 key set in the merchant platform');
  const key = Buffer.from(value, 'utf8');
  // WeChat uses the key's text bytes as the AES-256 key, so it must be exactly 32 bytes.
  if (key.length !== 32) throw invalid('apiv3_key', `must be exactly 32 bytes (the APIv3 key text), got ${key.length}`);
  return key;
}

export function parseWechatpayCredentials(raw: unknown): WechatpayCredentials {
  // Not an object at all: the message names the whole shape expected.
  const r = credentialObject(raw, () => new PaygateError('PROVIDER_ACCOUNT.INVALID_CREDENTIALS', 'wechatpay credentials must be an object {mchid, appid, merchant_serial_no, private_key, apiv3_key, wechatpay_public_key_id, wechatpay_public_key | platform_certificates}'));
  const mchid = requiredString(r, 'mchid');
  if (!/^\d{1,32}$/.test(mchid)) throw invalid('mchid', 'must be the numeric merchant id (商户号)');
  const appid = requiredString(r, 'appid');
  // Both ids are compared with every notification and quoted in the Authorization header.
  if (!/^[\x21-\x7e]{1,32}$/.test(appid) || appid.includes('"')) throw invalid('appid', 'must be 1..32 printable ASCII characters');
  const merchantSerialNo = requiredString(r, 'merchant_serial_no');
  if (!/^[0-9A-Fa-f]{1,64}$/.test(merchantSerialNo)) throw invalid('merchant_serial_no', 'must be the hex serial of the merchant API certificate');
  const privateKey = parsePrivateKey(requiredString(r, 'private_key'));
  const apiv3Key = parseApiv3Key(r);

  const verifiers = new Map<string, Verifier>();
  const hasId = r.wechatpay_public_key_id !== undefined && r.wechatpay_public_key_id !== null && r.wechatpay_public_key_id !== '';
  const hasKey = r.wechatpay_public_key !== undefined && r.wechatpay_public_key !== null && r.wechatpay_public_key !== '';
  if (hasId !== hasKey) throw invalid(hasId ? 'wechatpay_public_key' : 'wechatpay_public_key_id', 'is required together with its counterpart (public-key mode needs both)');
  if (hasId) {
    const id = requiredString(r, 'wechatpay_public_key_id');
    if (!id.startsWith(PUBLIC_KEY_ID_PREFIX) || !/^[\x21-\x7e]+$/.test(id)) throw invalid('wechatpay_public_key_id', `must start with ${PUBLIC_KEY_ID_PREFIX}`);
    verifiers.set(id, { key: parsePublicKey(requiredString(r, 'wechatpay_public_key')), source: 'public_key' });
  }
  const certs = r.platform_certificates;
  if (certs !== undefined && certs !== null) {
    const list = typeof certs === 'string' ? [certs] : certs;
    if (!Array.isArray(list)) throw invalid('platform_certificates', 'must be an array of PEM certificates');
    list.forEach((text: unknown, i) => {
      const [serial, verifier] = parseCertificate(text, i);
      verifiers.set(serial, verifier);
    });
  }
  if (verifiers.size === 0) {
    throw invalid('wechatpay_public_key', 'or platform_certificates is required to verify WeChat Pay answers (public-key mode: wechatpay_public_key_id + wechatpay_public_key)');
  }
  // The classic mistake: the merchant's own public key pasted where WeChat Pay's belongs.
  const own = spki(privateKey);
  for (const [serial, v] of verifiers) {
    if (spki(v.key).equals(own)) throw invalid(v.source === 'public_key' ? 'wechatpay_public_key' : 'platform_certificates', `(${serial}) is the merchant's own key; paste WeChat Pay's public key / platform certificate`);
  }
  return Object.freeze({ mchid, appid, merchantSerialNo, privateKey, apiv3Key, verifiers });
}
