// The simulator's own implementation of Alipay's OpenAPI v2 signing rules. It is deliberately
// independent of the gateway's connector: if both shared one helper, a bug in it would pass
// both sides. Tests cross-check it against the official alipay-sdk instead.
import type { KeyObject } from 'node:crypto';
import { rsaSha256Sign, rsaSha256Verify } from '../common/certs.js';

/**
 * The string Alipay signs: every parameter except the excluded ones, empty values dropped,
 * keys sorted by code unit (ASCII for Alipay's keys), joined as k=v with '&', values raw.
 */
export function canonicalString(params: Readonly<Record<string, string>>, exclude: readonly string[]): string {
  return Object.keys(params)
    .filter((k) => !exclude.includes(k) && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

/** Requests: everything but `sign` is signed (sign_type included). */
export const REQUEST_SIGN_EXCLUDES = ['sign'] as const;
/** Notifications: both `sign` and `sign_type` are left out. */
export const NOTIFY_SIGN_EXCLUDES = ['sign', 'sign_type'] as const;

/** RSA2 is SHA256withRSA, base64. */
export const rsa2Sign = rsaSha256Sign;
export const rsa2Verify = rsaSha256Verify;

/**
 * Alipay's Java serializer escapes '/' as '\/' (qr_code comes back as "https:\/\/qr...").
 * Reproducing it matters: a client that re-serialises the parsed node before verifying
 * would compute different bytes and must fail here just as it would in production.
 */
export function alipayJson(node: Readonly<Record<string, string>>): string {
  return JSON.stringify(node).replace(/\//g, '\\/');
}

/** The key answers are signed with; in certificate mode also the SN of its certificate. */
export interface Signer {
  privateKey: KeyObject;
  certSn?: string;
}

/**
 * Serialises the response node once, signs exactly that text, and splices the same text
 * into the body, so the signed bytes are a byte-exact substring of what is sent. In
 * certificate mode alipay_cert_sn sits between the node and the sign, outside the signed text.
 */
export function signedResponseBody(responseKey: string, node: Readonly<Record<string, string>>, signer: Signer): string {
  const nodeText = alipayJson(node);
  const sign = rsa2Sign(nodeText, signer.privateKey);
  const sn = signer.certSn === undefined ? '' : `,"alipay_cert_sn":${JSON.stringify(signer.certSn)}`;
  return `{${JSON.stringify(responseKey)}:${nodeText}${sn},"sign":${JSON.stringify(sign)}}`;
}
