/**
 * Stripe-Signature verification: `t=<unix>,v1=<hex>[,v1=<hex>...]`, each v1 being
 * hex(HMAC-SHA256(endpoint secret, "<t>.<raw body>")). Any v1 may match (Stripe sends one
 * per active secret while a secret is being rolled); other schemes (v0) are ignored.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TOLERANCE_S = 300;

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: 'malformed' | 'stale' | 'mismatch'; message: string };

export function parseSignatureHeader(header: string): { timestamp: number; v1: Buffer[] } | undefined {
  let timestamp: number | undefined;
  const v1: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestamp !== undefined) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) {
      v1.push(Buffer.from(value, 'hex'));
    }
  }
  return timestamp === undefined ? undefined : { timestamp, v1 };
}

export function verifyStripeSignature(rawBody: string, header: string, secret: string, now: Date, toleranceS = TOLERANCE_S): SignatureCheck {
  const parsed = parseSignatureHeader(header);
  if (!parsed) return { ok: false, reason: 'malformed', message: 'Stripe-Signature has no t=<unix seconds>' };
  if (parsed.v1.length === 0) return { ok: false, reason: 'malformed', message: 'Stripe-Signature has no v1 signature' };
  // The body is UTF-8 text as received; its bytes are what Stripe signed.
  const expected = createHmac('sha256', secret).update(`${parsed.timestamp}.`, 'utf8').update(rawBody, 'utf8').digest();
  let match = false;
  // Compare every candidate (no early exit), each in constant time.
  for (const candidate of parsed.v1) match = timingSafeEqual(expected, candidate) || match;
  if (!match) return { ok: false, reason: 'mismatch', message: 'no v1 signature matches the webhook_secret of this account' };
  // Checked after the MAC so an attacker learns nothing about the secret from the answer; a
  // replayed genuine event outside the window is refused either way.
  const age = Math.floor(now.getTime() / 1000) - parsed.timestamp;
  if (Math.abs(age) > toleranceS) return { ok: false, reason: 'stale', message: `signature timestamp is ${age} s from now; the tolerance is ${toleranceS} s` };
  return { ok: true, timestamp: parsed.timestamp };
}
