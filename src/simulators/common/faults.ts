/** Fault injection shared by every simulator: the same /_faults fields everywhere (API.md). */
export interface Faults {
  /** Added before every provider API answer. */
  latency_ms: number;
  /** Probability of the provider's own "system error" answer (state untouched). */
  error_rate: number;
  /** Probability that an API call hangs for HANG_MS before answering (state untouched). */
  timeout_rate: number;
  /** Notifications are not sent at all (state still changes, so a query sees it). */
  drop_notifications: boolean;
  /** Each notification attempt is sent duplicate_count times concurrently. */
  duplicate_notifications: boolean;
  duplicate_count: number;
}

export const DEFAULT_FAULTS: Readonly<Faults> = Object.freeze({
  latency_ms: 0,
  error_rate: 0,
  timeout_rate: 0,
  drop_notifications: false,
  duplicate_notifications: false,
  duplicate_count: 2,
});

/** Long enough to trip any sane client timeout (SDKs default to 5-30 s). */
export const HANG_MS = 30_000;

const MAX_LATENCY_MS = 60_000;
const MAX_DUPLICATES = 1000;

export class FaultsInputError extends Error {}

function rate(key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw new FaultsInputError(`${key} must be a number between 0 and 1`);
  }
  return v;
}

function int(key: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new FaultsInputError(`${key} must be an integer between ${min} and ${max}`);
  }
  return v;
}

function bool(key: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new FaultsInputError(`${key} must be true or false`);
  return v;
}

/** Validates a partial update; unknown keys are an error so a typo does not silently no-op. */
export function parseFaultsPatch(input: unknown): Partial<Faults> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new FaultsInputError('body must be a JSON object');
  }
  const out: Partial<Faults> = {};
  for (const [key, v] of Object.entries(input)) {
    switch (key) {
      case 'latency_ms': out.latency_ms = int(key, v, 0, MAX_LATENCY_MS); break;
      case 'error_rate': out.error_rate = rate(key, v); break;
      case 'timeout_rate': out.timeout_rate = rate(key, v); break;
      case 'drop_notifications': out.drop_notifications = bool(key, v); break;
      case 'duplicate_notifications': out.duplicate_notifications = bool(key, v); break;
      case 'duplicate_count': out.duplicate_count = int(key, v, 1, MAX_DUPLICATES); break;
      default: throw new FaultsInputError(`unknown fault "${key}"; known: ${Object.keys(DEFAULT_FAULTS).join(', ')}`);
    }
  }
  return out;
}
