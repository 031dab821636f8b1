/**
 * Runs one connector operation against one provider account: build the request, send it,
 * parse the answer. Transport failures become ConnectorFailures so callers handle every
 * outcome as a value. Timeout, retries, circuit breaker and bulkhead are the account's
 * resilience policy (resilience.ts); this file is one attempt plus its metrics.
 */
import type { ConnectorFailure, WireRequest, WireResponse } from '../connectors/types.js';
import { TransportError } from '../infra/http/transport.js';
import type { AppContext } from './context.js';
import { warnIfUnreachable } from './provider-warn.js';
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
      // A gateway in front of the provider (502 bad gateway, 504 gateway timeout) answered,
      // not the provider: it may have acted on the request, whatever the connector made of it.
      if (!r.ok && (res.status === 502 || res.status === 504) && (r as ConnectorFailure).retryable) r = { ...(r as ConnectorFailure), delivery: 'unanswered' };
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      r = transportFailure(err);
    }
    const outcome = r.ok ? 'ok' : (r as ConnectorFailure).code;
    ctx.metrics.providerCalls.observe({ provider, operation, outcome }, (performance.now() - started) / 1000);
    if (!r.ok) {
      ctx.metrics.providerErrors.inc({ provider, operation, code: outcome });
      warnIfUnreachable(ctx, target, operation, r as ConnectorFailure);
    }
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
 * No answer from the provider. A timeout or a connection lost after sending leaves the
 * outcome unknown, and says so (delivery 'unanswered'): the caller repeats the request with
 * the same provider key rather than replacing it. Only a connection that was never made
 * proves nothing was sent.
 */
function transportFailure(err: TransportError): ConnectorFailure {
  if (err.delivery === 'unsent') return { ok: false, code: 'CONNECTOR.UNAVAILABLE', retryable: true, delivery: 'unsent', message: `${err.message}; nothing was sent` };
  return err.kind === 'timeout'
    ? { ok: false, code: 'CONNECTOR.TIMEOUT', retryable: true, delivery: 'unanswered', message: `${err.message}; the provider may have acted on the request` }
    : { ok: false, code: 'CONNECTOR.UNAVAILABLE', retryable: true, delivery: 'unanswered', message: `${err.message}; the provider may have acted on the request` };
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
