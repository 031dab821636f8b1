/**
 * Runs one connector operation: build the request, send it, parse the answer. Transport
 * failures become ConnectorFailures so callers handle every outcome as a value. Fast
 * retryable failures are retried a couple of times here; every operation Paygate sends is
 * idempotent at the provider (out_trade_no / out_request_no), so repeating is safe.
 * Timeouts are not retried inline: the merchant is waiting, and the poll job will learn
 * the outcome.
 */
import type { ConnectorFailure, WireRequest, WireResponse } from '../connectors/types.js';
import { TransportError } from '../infra/http/transport.js';
import type { AppContext } from './context.js';

const INLINE_RETRY_DELAYS_MS = [100, 400];

export async function callProvider<R extends { ok: boolean }>(
  ctx: AppContext,
  provider: string,
  operation: string,
  build: () => WireRequest,
  parse: (res: WireResponse) => R | ConnectorFailure,
): Promise<R | ConnectorFailure> {
  for (let attempt = 0; ; attempt++) {
    const started = performance.now();
    let result: R | ConnectorFailure;
    try {
      const res = await ctx.transport.send(build(), ctx.config.PAYGATE_PROVIDER_TIMEOUT_MS);
      result = parse(res);
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      result = err.kind === 'timeout'
        ? { ok: false, code: 'CONNECTOR.TIMEOUT', retryable: true, message: err.message }
        : { ok: false, code: 'CONNECTOR.UNAVAILABLE', retryable: true, message: err.message };
    }
    const outcome = result.ok ? 'ok' : (result as ConnectorFailure).code;
    ctx.metrics.providerCalls.observe({ provider, operation, outcome }, (performance.now() - started) / 1000);
    if (result.ok) return result;
    const failure = result as ConnectorFailure;
    const delay = INLINE_RETRY_DELAYS_MS[attempt];
    if (!failure.retryable || failure.code === 'CONNECTOR.TIMEOUT' || delay === undefined) return failure;
    await new Promise((r) => setTimeout(r, delay));
  }
}
