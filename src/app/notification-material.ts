/**
 * What a connector needs fetched before it can verify a notification (PayPal: the signing
 * certificate at PAYPAL-CERT-URL). The connector decides, without any I/O, whether the URL
 * may be fetched at all (pinned hosts); only then does the transport fetch it. Good answers
 * are cached per URL, bounded, so a burst of webhooks costs one fetch.
 */
import type { ConnectorContext, InboundNotification, WireRequest, WireResponse } from '../connectors/types.js';
import type { ErrorCode } from '../domain/errors.js';
import { TransportError } from '../infra/http/transport.js';
import type { AppContext } from './context.js';
import type { LoadedAccount } from './accounts.js';

const MAX_ENTRIES = 64;
const cache = new WeakMap<AppContext, Map<string, WireResponse>>();
/** Fetches under way, shared: a webhook burst on a cold cache (after a restart) makes one request, not N. */
const inflight = new WeakMap<AppContext, Map<string, Promise<Material>>>();

export type Material = { ok: true; response?: WireResponse } | { ok: false; code: ErrorCode; message: string };

export async function notificationMaterial(ctx: AppContext, acc: LoadedAccount, cctx: ConnectorContext<unknown>, inbound: InboundNotification): Promise<Material> {
  const want = acc.connector.notificationMaterial?.(cctx, inbound);
  if (!want) return { ok: true };
  if (!want.ok) return want;
  let perCtx = cache.get(ctx);
  if (!perCtx) cache.set(ctx, (perCtx = new Map()));
  const hit = perCtx.get(want.cacheKey);
  if (hit) return { ok: true, response: hit };
  let pending = inflight.get(ctx);
  if (!pending) inflight.set(ctx, (pending = new Map()));
  let p = pending.get(want.cacheKey);
  if (!p) {
    const store = perCtx;
    p = fetchMaterial(ctx, want.request, want.cacheKey, store).finally(() => pending.delete(want.cacheKey));
    pending.set(want.cacheKey, p);
  }
  return p;
}

async function fetchMaterial(ctx: AppContext, request: WireRequest, key: string, store: Map<string, WireResponse>): Promise<Material> {
  let res: WireResponse;
  try {
    res = await ctx.transport.send(request, ctx.config.PAYGATE_PROVIDER_TIMEOUT_MS);
  } catch (err) {
    if (!(err instanceof TransportError)) throw err;
    return { ok: false, code: 'NOTIFY.CERT_UNAVAILABLE', message: err.message };
  }
  // Only a good answer is cached: a transient error must not stick for later deliveries.
  if (res.status === 200) {
    if (store.size >= MAX_ENTRIES) store.delete(store.keys().next().value as string);
    store.set(key, res);
  }
  return { ok: true, response: res };
}
