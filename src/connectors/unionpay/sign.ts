/**
 * ACP 5.1.0 signMethod 01, the connector's own implementation (the simulator has its own;
 * shared/providers/README.md: two independent implementations cross-checked by an oracle).
 *
 * signature = base64(SHA256withRSA(utf8(lowercase_hex(sha256(utf8(canonical))))))
 * The double hash is UnionPay's: the RSA signature covers the 64-character hex digest text,
 * not the message.
 */
import { createHash, sign as rsaSign, verify as rsaVerify, type KeyObject } from 'node:crypto';

export type Fields = Readonly<Record<string, string | undefined>>;

// Code-unit order equals ASCII order for ACP's ASCII field names.
function asciiOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted k=v joined by '&', without `signature` and without blank values; values stay raw. */
export function canonicalString(fields: Fields): string {
  const parts: string[] = [];
  for (const key of Object.keys(fields).sort(asciiOrder)) {
    const value = fields[key];
    if (key === 'signature' || value === undefined || value === '') continue;
    parts.push(`${key}=${value}`);
  }
  return parts.join('&');
}

function digestHex(canonical: string): Buffer {
  return Buffer.from(createHash('sha256').update(canonical, 'utf8').digest('hex'), 'utf8');
}

export function signFields(fields: Fields, key: KeyObject): string {
  return rsaSign('sha256', digestHex(canonicalString(fields)), key).toString('base64');
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** False for anything that is not a valid signature by `key` over the fields. */
export function verifyFields(fields: Fields, signature: string, key: KeyObject): boolean {
  // Buffer.from(..., 'base64') skips junk silently; a mangled signature must not be "repaired".
  if (signature.length % 4 !== 0 || !BASE64.test(signature)) return false;
  try {
    return rsaVerify('sha256', digestHex(canonicalString(fields)), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
