/** Key and certificate material every simulator CA needs: an RSA-2048 PEM pair and serial numbers OpenSSL accepts. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export interface PemPair {
  /** PKCS#8 ("BEGIN PRIVATE KEY"). */
  privateKeyPem: string;
  /** SPKI ("BEGIN PUBLIC KEY"). */
  publicKeyPem: string;
}

export function rsaPemPair(): PemPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
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
