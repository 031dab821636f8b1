// The simulator's own crypto: ids, secrets and Stripe's webhook signature. Written out
// independently of src/connectors/stripe on purpose (providers/README.md): a bug shared by
// both sides would otherwise pass every test.
import { createHash, createHmac, randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Stripe-looking random suffix: base62, unbiased (rejection sampling). */
export function randomToken(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += ALPHABET[b % 62];
    }
  }
  return out;
}

export const newId = (prefix: string, length = 24): string => `${prefix}_${randomToken(length)}`;

export const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** The Stripe-Signature header value for one delivery: t=<unix seconds>,v1=hex(HMAC-SHA256(secret, "t.payload")). */
export function stripeSignatureHeader(payload: string, secret: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret);
  mac.update(String(unixSeconds));
  mac.update('.');
  mac.update(Buffer.from(payload, 'utf8'));
  return `t=${unixSeconds},v1=${mac.digest('hex')}`;
}
