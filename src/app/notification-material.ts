/**
 * What a connector needs fetched before it can verify a notification (PayPal: the signing
 * certificate at PAYPAL-CERT-URL). The connector decides, without any I/O, whether the URL
 * may be fetched at all (pinned hosts); only then does the transport fetch it. Good answers
 * are cached per URL, bounded, in the node's provider gateway (ctx.providers.material), so a
 * burst of webhooks costs one fetch.
 */
import type { ConnectorContext, InboundNotification, WireRequest, WireResponse } from '../connectors/types.js';
import { TransportError } from '../infra/http/transport.js';
import type { AppContext } from './context.js';
import type { LoadedAccount } from './accounts.js';
import type { Material, MaterialCache } from './provider-gateway.js';

export type { Material } from './provider-gateway.js';

export async function notificationMaterial(ctx: AppContext, acc: LoadedAccount, cctx: ConnectorContext<unknown>, inbound: InboundNotification): Promise<Material> {
  const want = acc.connector.notificationMaterial?.(cctx, inbound);
  if (!want) return { ok: true };
  if (!want.ok) return want;
  const cache = ctx.providers.material;
  const hit = cache.get(want.cacheKey);
  if (hit) return { ok: true, response: hit };
  // Fetches under way are shared: a webhook burst on a cold cache (after a restart) makes one request, not N.
  return cache.fetches.run(want.cacheKey, () => fetchMaterial(ctx, want.request, want.cacheKey, cache));
}

async function fetchMaterial(ctx: AppContext, request: WireRequest, key: string, cache: MaterialCache): Promise<Material> {
  let res: WireResponse;
  try {
    res = await ctx.transport.send(request, ctx.config.PAYGATE_PROVIDER_TIMEOUT_MS);
  } catch (err) {
    if (!(err instanceof TransportError)) throw err;
    return { ok: false, code: 'NOTIFY.CERT_UNAVAILABLE', message: err.message };
  }
  // Only a good answer is cached: a transient error must not stick for later deliveries.
  if (res.status === 200) cache.put(key, res);
  return { ok: true, response: res };
}
