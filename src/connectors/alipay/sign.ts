/**
 * RSA2 (RSA PKCS#1 v1.5 over SHA-256) and Alipay's "sorted k=v&" string to sign.
 * This module is the connector's own implementation; the simulator must not import it
 * (see shared/providers/README.md: two independent implementations, one oracle).
 */
import { sign as rsaSign, verify as rsaVerify, type KeyObject } from 'node:crypto';

export type ParamMap = Readonly<Record<string, string | undefined>>;

export interface CanonicalOptions {
  /** Keys left out of the string (requests: sign; notifications: sign and sign_type). */
  exclude: readonly string[];
  /**
   * Alipay's gateway and its Java getSignContent drop empty values; the official SDKs'
   * notification checks (Java rsaCheckV1, Node checkNotifySign) keep them as "k=".
   */
  keepEmpty?: boolean;
}

// Code-unit order equals ASCII order for the ASCII keys Alipay uses; localeCompare would not.
function asciiOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function canonicalString(params: ParamMap, opts: CanonicalOptions): string {
  const parts: string[] = [];
  for (const key of Object.keys(params).sort(asciiOrder)) {
    if (opts.exclude.includes(key)) continue;
    const value = params[key];
    if (value === undefined) continue;
    if (value === '' && !opts.keepEmpty) continue;
    // Values stay raw: Alipay signs the decoded text, not its URL encoding.
    parts.push(`${key}=${value}`);
  }
  return parts.join('&');
}

export function signRsa2(content: string, privateKey: KeyObject): string {
  return rsaSign('sha256', Buffer.from(content, 'utf8'), privateKey).toString('base64');
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** False for anything that is not a valid RSA-SHA256 signature by `publicKey` over `content`. */
export function verifyRsa2(content: string, signatureBase64: string, publicKey: KeyObject): boolean {
  // Buffer.from(…, 'base64') silently skips junk characters; refuse them instead so that a
  // mangled signature is never "repaired" into one that verifies.
  if (signatureBase64.length % 4 !== 0 || !BASE64.test(signatureBase64)) return false;
  try {
    return rsaVerify('sha256', Buffer.from(content, 'utf8'), publicKey, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}
