// The simulator's own ACP 5.1.0 signMethod 01 implementation, deliberately independent of
// the gateway's connector (a shared bug would pass both sides); tests cross-check both
// against node:crypto written out step by step.
import { createHash, type KeyObject } from 'node:crypto';
import { rsaSha256Sign, rsaSha256Verify } from '../common/certs.js';

/** Sorted k=v&, `signature` and blank values left out, values raw. */
export function signingString(fields: Readonly<Record<string, string>>): string {
  return Object.keys(fields)
    .filter((k) => k !== 'signature' && fields[k] !== '')
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
}

/** RSA-SHA256 over the lowercase hex SHA-256 of the signing string (UnionPay's double hash). */
export function acpSign(fields: Readonly<Record<string, string>>, key: KeyObject): string {
  const hex = createHash('sha256').update(signingString(fields), 'utf8').digest('hex');
  return rsaSha256Sign(hex, key);
}

export function acpVerify(fields: Readonly<Record<string, string>>, signature: string, key: KeyObject): boolean {
  const hex = createHash('sha256').update(signingString(fields), 'utf8').digest('hex');
  return rsaSha256Verify(hex, signature, key);
}

/** Synchronous answers are raw k=v& text, not URL-encoded, exactly as UnionPay sends them. */
export function rawAnswer(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}
