/**
 * Stripe account credentials: the secret API key (Bearer on every call) and the signing
 * secret of the webhook endpoint that points at /notify/stripe/{account}.
 */
import { PaygateError } from '../../domain/errors.js';
import { credentialObject, invalidCredential } from '../common/credentials.js';

const LABEL = 'Stripe';

export interface StripeCredentials {
  readonly secretKey: string;
  readonly webhookSecret: string;
}

const invalid = (field: string, message: string): PaygateError => invalidCredential(LABEL, field, message);

// Keys travel in an HTTP header and a MAC key; whitespace or control characters mean a
// bad paste, and would fail at Stripe with a confusing 401 much later.
const TOKEN = /^[\x21-\x7e]{8,255}$/;

function token(raw: Record<string, unknown>, field: string, prefixes: readonly string[], hint: string): string {
  const value = raw[field];
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, 'is required and must be a non-empty string');
  const v = value.trim();
  if (!TOKEN.test(v)) throw invalid(field, 'must be 8-255 printable characters without spaces');
  if (!prefixes.some((p) => v.startsWith(p))) throw invalid(field, `must start with ${prefixes.join(' or ')} (${hint})`);
  return v;
}

export function parseStripeCredentials(raw: unknown): StripeCredentials {
  // Not an object at all: the message names the whole shape expected.
  const r = credentialObject(raw, () => invalid('credentials', 'must be an object {secret_key, webhook_secret}'));
  return {
    // Restricted keys (rk_) work too when they grant Checkout, PaymentIntents and Refunds.
    secretKey: token(r, 'secret_key', ['sk_', 'rk_'], 'the secret key from Dashboard → Developers → API keys, not the publishable pk_ key'),
    webhookSecret: token(r, 'webhook_secret', ['whsec_'], 'the signing secret of the webhook endpoint, not an API key'),
  };
}
