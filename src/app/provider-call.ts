/**
 * Runs one connector operation against one provider account: build the request, send it,
 * parse the answer. Transport failures become ConnectorFailures so callers handle every
 * outcome as a value. Timeout, retries, circuit breaker and bulkhead are the account's
 * resilience policy (resilience.ts); this file is one attempt plus its metrics.
 */
import type { ConnectorFailure, WireRequest, WireResponse } from '../connectors/types.js';
import { TransportError } from '../infra/http/transport.js';
import type { AppContext } from './context.js';
import { withResilience, type CallTarget } from './resilience.js';

export type { CallTarget } from './resilience.js';

export async function callProvider<R extends { ok: boolean }>(
  ctx: AppContext,
  target: CallTarget,
  operation: string,
  build: () => WireRequest | ConnectorFailure,
  parse: (res: WireResponse) => R | ConnectorFailure,
): Promise<R | ConnectorFailure> {
  const { provider } = target;
  const result = await withResilience<R>(ctx, target, operation, async (signal) => {
    // A request the connector cannot build was never sent: a failure value, not a provider call.
    const req = buildSafely(ctx, provider, operation, build);
    if ('ok' in req) return req;
    const started = performance.now();
    let r: R | ConnectorFailure;
    try {
      // The same deadline twice on purpose: the policy's signal cancels the request, the
      // transport's own timer bounds it even for a caller without a policy.
      const res = await ctx.transport.send(req, ctx.config.PAYGATE_PROVIDER_TIMEOUT_MS, signal);
      r = parse(res);
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      r = err.kind === 'timeout'
        ? { ok: false, code: 'CONNECTOR.TIMEOUT', retryable: true, message: err.message }
        : { ok: false, code: 'CONNECTOR.UNAVAILABLE', retryable: true, message: err.message };
    }
    const outcome = r.ok ? 'ok' : (r as ConnectorFailure).code;
    ctx.metrics.providerCalls.observe({ provider, operation, outcome }, (performance.now() - started) / 1000);
    if (!r.ok) ctx.metrics.providerErrors.inc({ provider, operation, code: outcome });
    return r;
  });
  // Refusals by the policy itself never reached the network, so the attempt above did not count them.
  if (!result.ok) {
    const { code } = result as ConnectorFailure;
    if (code === 'CONNECTOR.CIRCUIT_OPEN' || code === 'CONNECTOR.BULKHEAD_FULL') ctx.metrics.providerErrors.inc({ provider, operation, code });
  }
  return result;
}

/**
 * Builders answer input they cannot send with a failure; one that throws all the same (a
 * bug) must not escape as an exception halfway through a use case: it becomes a
 * non-retryable failure, so the caller settles its rows (a create fails its attempt).
 */
function buildSafely(ctx: AppContext, provider: string, operation: string, build: () => WireRequest | ConnectorFailure): WireRequest | ConnectorFailure {
  try {
    return build();
  } catch (err) {
    ctx.log.error({ err, provider, operation }, 'connector could not build the request');
    return { ok: false, code: 'INTERNAL.ERROR', retryable: false, message: `${provider} ${operation}: the request could not be built (${err instanceof Error ? err.message : String(err)})` };
  }
}
