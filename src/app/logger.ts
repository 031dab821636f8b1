/**
 * The logger the use cases write to: the few methods they call, so the app layer depends on
 * no web framework. pino's Logger (what runtime.ts builds, and Fastify logs through) fits it.
 */
export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

export interface AppLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): AppLogger;
}
