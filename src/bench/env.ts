/** Bench knobs come from the environment; a bad value stops the run with its name, not a silent default. */
export function numEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

/** The knobs every timed bench has, read under its own prefix (PAYGATE_BENCH_CLUSTER_SECONDS …). */
export interface RunKnobs { seconds: number; warmup: number; connections: number; rounds: number }

/**
 * The measured seconds (≥ 1), warm-up seconds (≥ 0), connections (≥ 1) and rounds (≥ 1) of a
 * bench, from `${prefix}_SECONDS`, `${prefix}_${warmupName}`, `${prefix}_CONNECTIONS` and
 * `${prefix}_ROUNDS`; `defaults` when unset. One place for their names and lower bounds.
 */
export function runKnobs(prefix: string, defaults: RunKnobs, warmupName = 'WARMUP'): RunKnobs {
  return {
    seconds: numEnv(`${prefix}_SECONDS`, defaults.seconds, 1),
    warmup: numEnv(`${prefix}_${warmupName}`, defaults.warmup, 0),
    connections: numEnv(`${prefix}_CONNECTIONS`, defaults.connections, 1),
    rounds: numEnv(`${prefix}_ROUNDS`, defaults.rounds, 1),
  };
}
