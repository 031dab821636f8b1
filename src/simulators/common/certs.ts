/**
 * Key and certificate material every simulator needs: an RSA-2048 PEM pair, serial numbers
 * OpenSSL accepts, and SHA256withRSA (base64), which Alipay, WeChat Pay and UnionPay all sign with.
 */
import { createSign, createVerify, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

export interface PemPair {
  /** PKCS#8 ("BEGIN PRIVATE KEY"), or PKCS#1 ("BEGIN RSA PRIVATE KEY") when asked for. */
  privateKeyPem: string;
  /** SPKI ("BEGIN PUBLIC KEY"). */
  publicKeyPem: string;
}

export function rsaPemPair(privateKeyType: 'pkcs8' | 'pkcs1' = 'pkcs8'): PemPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: privateKeyType, format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

export function rsaSha256Sign(text: string, privateKey: KeyObject): string {
  return createSign('RSA-SHA256').update(text, 'utf8').sign(privateKey, 'base64');
}

export function rsaSha256Verify(text: string, signature: string, publicKey: KeyObject): boolean {
  // A malformed base64 / wrong-length signature must read as "invalid", not crash the request.
  try {
    return createVerify('RSA-SHA256').update(text, 'utf8').verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

/** `bytes` random bytes as lower-case hex, the first 0x10–0x7f: positive, no leading zero, so the DER INTEGER is minimal. */
export function positiveSerialHex(bytes: number): string {
  const b = randomBytes(bytes);
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x10;
  return b.toString('hex');
}

/**
 * A serial for node-forge's `cert.serialNumber`, which writes the hex as the INTEGER's bytes:
 * DER wants the shortest positive form — no leading zero bytes (OpenSSL refuses them as
 * "illegal padding"), and a 00 only in front of a first byte with its high bit set.
 */
export function derSerialHex(serialHex: string): string {
  const hex = serialHex.replace(/^(?:00)+(?=..)/, '');
  return /^[89a-f]/i.test(hex) ? `00${hex}` : hex;
}
