/** POST /v1/oauth2/token, client credentials: the bearer token every other call carries. */
import type { AuthResult, WireRequest, WireResponse } from '../types.js';
import type { PaypalContext, PaypalPort } from './request.js';
import { bad, readReply, str } from './response.js';

export function buildToken(ctx: PaypalContext): WireRequest {
  const basic = Buffer.from(`${ctx.credentials.clientId}:${ctx.credentials.clientSecret}`, 'utf8').toString('base64');
  return {
    method: 'POST',
    url: `${ctx.baseUrl}/v1/oauth2/token`,
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: 'grant_type=client_credentials',
  };
}

export function parseToken(ctx: PaypalContext, res: WireResponse): AuthResult {
  const r = readReply('oauth2/token', res);
  if (!r.ok) return r;
  const token = str(r.body, 'access_token');
  const expiresIn = r.body.expires_in;
  if (token === undefined) return bad('oauth2/token', 'no access_token');
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) return bad('oauth2/token', 'expires_in is not a positive number');
  return { ok: true, token, expiresAt: new Date(ctx.now.getTime() + expiresIn * 1000) };
}

export const token: PaypalPort['auth'] = { build: buildToken, parse: parseToken };
