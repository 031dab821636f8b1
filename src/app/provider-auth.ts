/**
 * Provider calls for connectors that need an OAuth2 bearer token (PayPal). The token is
 * cached per account, refreshed before it expires, fetched once for many concurrent
 * callers, and on a 401 refreshed once and the call retried — PayPal may revoke a token
 * before its expires_in. Tokens live in the node's provider gateway (ctx.providers).
 * Connectors without `auth` go straight to callProvider.
 */
import type { AuthResult, ConnectorContext, ConnectorFailure, WireRequest, WireResponse } from '../connectors/types.js';
import type { AppContext } from './context.js';
import { connectorContext, type LoadedAccount } from './accounts.js';
import { callProvider, type CallTarget } from './provider-call.js';

/** Refresh this long before expiry (or halfway through short-lived tokens). */
const REFRESH_MARGIN_MS = 300_000;

/** Token fetches and calls share the account's breaker: an outage at the token endpoint is an outage of the account. */
const target = (acc: LoadedAccount): CallTarget => ({ provider: acc.row.provider, accountId: acc.row.id });

async function fetchToken(ctx: AppContext, acc: LoadedAccount): Promise<AuthResult> {
  const auth = acc.connector.auth;
  if (!auth) throw new Error(`${acc.row.provider} has no auth`);
  const cctx = connectorContext(ctx, acc);
  const r = await callProvider(ctx, target(acc), 'auth', () => auth.build(cctx), (res) => auth.parse(cctx, res));
  if (r.ok) {
    const now = ctx.now();
    const ttl = r.expiresAt.getTime() - now;
    ctx.providers.tokens.set(acc.row.id, { token: r.token, expiresAt: r.expiresAt.getTime(), refreshAt: now + Math.max(0, ttl - Math.min(REFRESH_MARGIN_MS, ttl / 2)) });
  }
  return r;
}

/** A valid token for the account; `stale` (the one a 401 just refused) forces a new one unless another caller already replaced it. */
export async function accessToken(ctx: AppContext, acc: LoadedAccount, stale?: string): Promise<{ ok: true; token: string } | ConnectorFailure> {
  const cached = ctx.providers.tokens.get(acc.row.id);
  if (cached && cached.token !== stale && ctx.now() < cached.refreshAt) return { ok: true, token: cached.token };
  const r = await ctx.providers.tokenFetches.run(acc.row.id, () => fetchToken(ctx, acc));
  return r.ok ? { ok: true, token: r.token } : r;
}

/** callProvider with the account's connector context, plus the bearer token when the connector needs one. */
export async function callAccount<R extends { ok: boolean }>(
  ctx: AppContext,
  acc: LoadedAccount,
  operation: string,
  build: (cctx: ConnectorContext<unknown>) => WireRequest | ConnectorFailure,
  parse: (cctx: ConnectorContext<unknown>, res: WireResponse) => R | ConnectorFailure,
): Promise<R | ConnectorFailure> {
  const cctx = connectorContext(ctx, acc);
  if (!acc.connector.auth) return callProvider(ctx, target(acc), operation, () => build(cctx), (res) => parse(cctx, res));
  let stale: string | undefined;
  for (let round = 0; ; round++) {
    const t = await accessToken(ctx, acc, stale);
    if (!t.ok) return t;
    const authed = { ...cctx, accessToken: t.token };
    let unauthorized = false;
    const r = await callProvider(ctx, target(acc), operation, () => build(authed), (res) => {
      unauthorized = res.status === 401;
      return parse(authed, res);
    });
    if (r.ok || !unauthorized || round > 0) return r;
    stale = t.token;
  }
}

/** Tests and operators: forget cached tokens (e.g. after rotating the client secret). */
export function forgetTokens(ctx: AppContext, accountId?: string): void {
  if (accountId) ctx.providers.tokens.delete(accountId);
  else ctx.providers.tokens.clear();
}
