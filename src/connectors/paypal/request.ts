/** Request shapes shared by every PayPal REST call. */
import type { ConnectorContext, WireRequest } from '../types.js';
import type { PaypalCredentials } from './credentials.js';

export type PaypalContext = ConnectorContext<PaypalCredentials>;

/** PayPal-Request-Id must be stable across retries of one logical operation; PayPal accepts up to 108 characters. */
export function requestId(operation: string, key: string): string {
  return `paygate-${operation}-${key}`.slice(0, 108);
}

function bearer(ctx: PaypalContext): string {
  // The app fills the token before any call; a missing one is a wiring bug, not a provider answer.
  if (!ctx.accessToken) throw new Error('paypal: no access token in the connector context');
  return `Bearer ${ctx.accessToken}`;
}

export function getRequest(ctx: PaypalContext, path: string): WireRequest {
  return { method: 'GET', url: `${ctx.baseUrl}${path}`, headers: { authorization: bearer(ctx), accept: 'application/json' } };
}

export function postRequest(ctx: PaypalContext, path: string, body: unknown, idempotencyKey: string): WireRequest {
  return {
    method: 'POST',
    url: `${ctx.baseUrl}${path}`,
    headers: {
      authorization: bearer(ctx),
      'content-type': 'application/json',
      accept: 'application/json',
      'paypal-request-id': idempotencyKey,
      // The full resource in the answer: status and ids without a second GET.
      prefer: 'return=representation',
    },
    body: JSON.stringify(body),
  };
}

export const enc = encodeURIComponent;
