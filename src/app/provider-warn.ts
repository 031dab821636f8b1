/**
 * A warning when a provider call gets no answer (CONNECTOR.UNAVAILABLE / CONNECTOR.TIMEOUT):
 * the first sign of an outage or a wrong base_url, which otherwise shows only as 503s in the
 * merchant's own logs. Once per account per minute, with the count of failures since the
 * last line, so an outage at hundreds of calls a second stays a few lines. The windows are
 * the node's (ctx.providers.warnings).
 */
import type { ConnectorFailure } from '../connectors/types.js';
import type { AppContext } from './context.js';
import type { CallTarget } from './resilience.js';

export const PROVIDER_WARN_INTERVAL_MS = 60_000;

const UNREACHABLE = new Set(['CONNECTOR.UNAVAILABLE', 'CONNECTOR.TIMEOUT']);

export function warnIfUnreachable(ctx: AppContext, target: CallTarget, operation: string, failure: ConnectorFailure, nowMs = ctx.now()): void {
  if (!UNREACHABLE.has(failure.code)) return;
  const perAccount = ctx.providers.warnings;
  const w = perAccount.get(target.accountId);
  if (w && nowMs < w.until) {
    w.suppressed += 1;
    return;
  }
  ctx.log.warn({
    provider: target.provider, provider_account_id: target.accountId, operation, code: failure.code,
    delivery: failure.delivery ?? null, reason: failure.message, suppressed_since_last: w?.suppressed ?? 0,
  }, `${target.provider} did not answer ${operation} (${failure.code}); more failures of this account are summed into one line a minute`);
  perAccount.set(target.accountId, { until: nowMs + PROVIDER_WARN_INTERVAL_MS, suppressed: 0 });
}
