/** Request shapes shared by every PayPal REST call. */
import { unsendable } from '../common/failure.js';
import type { Connector, ConnectorContext, ConnectorFailure, WireRequest } from '../types.js';
import type { PaypalCredentials } from './credentials.js';

export type PaypalContext = ConnectorContext<PaypalCredentials>;
/** The port this connector implements; each operation module declares its members against it. */
export type PaypalPort = Connector<PaypalCredentials>;

/** PayPal-Request-Id must be stable across retries of one logical operation; PayPal accepts up to 108 characters. */
export function requestId(operation: string, key: string): string {
  return `paygate-${operation}-${key}`.slice(0, 108);
}

// The app fills the token before any call; a missing one is a wiring bug, not a provider
// answer: nothing is sent (INTERNAL.ERROR, as the app's build guard has always reported it).
const NO_TOKEN = (): ConnectorFailure => unsendable('INTERNAL.ERROR', 'paypal: no access token in the connector context');

export function getRequest(ctx: PaypalContext, path: string): WireRequest | ConnectorFailure {
  if (!ctx.accessToken) return NO_TOKEN();
  return { method: 'GET', url: `${ctx.baseUrl}${path}`, headers: { authorization: `Bearer ${ctx.accessToken}`, accept: 'application/json' } };
}

export function postRequest(ctx: PaypalContext, path: string, body: unknown, idempotencyKey: string): WireRequest | ConnectorFailure {
  if (!ctx.accessToken) return NO_TOKEN();
  return {
    method: 'POST',
    url: `${ctx.baseUrl}${path}`,
    headers: {
      authorization: `Bearer ${ctx.accessToken}`,
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
