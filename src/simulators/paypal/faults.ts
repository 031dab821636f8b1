// Fault injection for the REST API and the webhook sender (POST /_faults).
export interface Faults {
  latency_ms: number;
  /** Probability of a 500 INTERNAL_SERVER_ERROR (state untouched). */
  error_rate: number;
  /** Probability that the API hangs for HANG_MS (state untouched). */
  timeout_rate: number;
  drop_notifications: boolean;
  duplicate_notifications: boolean;
  duplicate_count: number;
}

export const DEFAULT_FAULTS: Readonly<Faults> = Object.freeze({
  latency_ms: 0, error_rate: 0, timeout_rate: 0, drop_notifications: false, duplicate_notifications: false, duplicate_count: 2,
});

export const HANG_MS = 30_000;

export class FaultsInputError extends Error {}

export function parseFaultsPatch(input: unknown): Partial<Faults> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new FaultsInputError('body must be a JSON object');
  const out: Partial<Faults> = {};
  const num = (k: string, v: unknown, min: number, max: number, integer: boolean): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new FaultsInputError(`${k} must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max}`);
    }
    return v;
  };
  const bool = (k: string, v: unknown): boolean => {
    if (typeof v !== 'boolean') throw new FaultsInputError(`${k} must be true or false`);
    return v;
  };
  for (const [k, v] of Object.entries(input)) {
    switch (k) {
      case 'latency_ms': out.latency_ms = num(k, v, 0, 60_000, true); break;
      case 'error_rate': out.error_rate = num(k, v, 0, 1, false); break;
      case 'timeout_rate': out.timeout_rate = num(k, v, 0, 1, false); break;
      case 'drop_notifications': out.drop_notifications = bool(k, v); break;
      case 'duplicate_notifications': out.duplicate_notifications = bool(k, v); break;
      case 'duplicate_count': out.duplicate_count = num(k, v, 1, 1000, true); break;
      default: throw new FaultsInputError(`unknown fault "${k}"; known: ${Object.keys(DEFAULT_FAULTS).join(', ')}`);
    }
  }
  return out;
}
