/**
 * The cashier's own device id: a random cookie the hosted page sets on the buyer's browser,
 * so risk control can link payments paid from one browser even when the merchant sends no
 * device_id (docs/risk.md, "The hosted cashier"). It identifies a browser, not a person, and
 * holds nothing else; the page never reads it back into its markup.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const DEVICE_COOKIE = 'paygate_device';
/** `pgd_` + 16 random bytes in base64url (22 characters, no padding). */
const DEVICE_ID = /^pgd_[A-Za-z0-9_-]{22}$/;
const ONE_YEAR_S = 365 * 24 * 3600;

export const newDeviceId = (): string => `pgd_${randomBytes(16).toString('base64url')}`;

/** The cookie's value when it is one we could have issued; anything else is ignored (and replaced). */
export function deviceIdFrom(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== DEVICE_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    if (DEVICE_ID.test(value)) return value;
  }
  return undefined;
}

/**
 * The request's device id, issuing (Set-Cookie) a new one when it has none we recognise.
 * HttpOnly: no script needs it. Path=/pay: sent to the cashier only, never to the API.
 * Secure when the request came over TLS: req.protocol is "https" on a TLS listener, and
 * from X-Forwarded-Proto only behind a trusted proxy (PAYGATE_TRUST_PROXY); a plain-HTTP
 * test or local setup still gets the cookie.
 */
export function ensureDeviceId(req: FastifyRequest, reply: FastifyReply): string {
  const known = deviceIdFrom(req.headers.cookie);
  if (known) return known;
  const id = newDeviceId();
  const secure = req.protocol === 'https' ? '; Secure' : '';
  reply.header('set-cookie', `${DEVICE_COOKIE}=${id}; Max-Age=${ONE_YEAR_S}; Path=/pay; HttpOnly; SameSite=Lax${secure}`);
  return id;
}
