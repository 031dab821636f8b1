/**
 * Delays for background work. Real values in production; the time scale shrinks them in
 * tests and demos. Poll: +60 s, then backing off to every 30 min.
 */
export const POLL_DELAYS_S = [60, 120, 300, 600, 1200, 1800];
/** API.md: 1m, 5m, 10m, 30m, 1h, 2h, 6h, 12h, 24h — then the delivery is marked failed. */
export const WEBHOOK_RETRY_DELAYS_S = [60, 300, 600, 1800, 3600, 7200, 21600, 43200, 86400];
export const REFUND_SYNC_DELAYS_S = [10, 30, 60, 300, 900, 1800, 3600];

export function delayAt(table: readonly number[], index: number): number {
  return table[Math.min(index, table.length - 1)] ?? 60;
}

/**
 * Seconds until poll number n (0-based) of an attempt: the provider's own schedule first
 * when its connector has one, then the shared back-off, so every open attempt is polled
 * until it settles or expires.
 */
export function pollDelayS(providerDelays: readonly number[] | undefined, n: number): number {
  const own = providerDelays ?? [];
  if (n < own.length) return own[n]!;
  return delayAt(POLL_DELAYS_S, n - own.length);
}
