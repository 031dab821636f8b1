/**
 * Queries built once and executed many times with other values. Kysely builds an operation
 * tree and compiles it to SQL on every call; for a reconciliation batch — a 1,000-value IN
 * list, a 500-row insert — that was about a tenth of a whole run (profiled in
 * `npm run bench`). Its documented recipe for hot paths is to compile once and execute the
 * compiled query with new parameters; this is that recipe, with the cache it needs.
 */
import type { Compilable, CompiledQuery } from 'kysely';
import type { DbOrTx } from './index.js';

const MAX_ENTRIES = 256;
const cache = new Map<string, CompiledQuery<unknown>>();

/**
 * The dialects differ in their SQL ("?" against "$1" placeholders), so the cache is keyed by
 * what this connection compiles a probe query to, asking Kysely nothing internal.
 */
const dialectOf = (db: DbOrTx): string => db.selectFrom('paygate_meta').select('key').where('key', '=', '').compile().sql;

/**
 * Runs the query `build()` makes — built with placeholder values, compiled on first use per
 * dialect and `key` — with `parameters` in the order the compiled SQL takes them. `key` must
 * name everything that shapes the SQL (e.g. the length of an IN list). The parameter count is
 * checked, so a key that forgets a shape fails loudly instead of running the wrong SQL.
 */
export async function executeCompiled<R>(db: DbOrTx, key: string, build: () => Compilable<R>, parameters: readonly unknown[]): Promise<R[]> {
  const compiled = compiledOnce(db, key, build, parameters.length);
  return (await db.executeQuery<R>({ ...compiled, parameters })).rows;
}

/** The compiled form executeCompiled runs, for a caller that executes the SQL text itself. */
export function compiledOnce<R>(db: DbOrTx, key: string, build: () => Compilable<R>, parameterCount: number): CompiledQuery<R> {
  const k = `${dialectOf(db)}\n${key}`;
  let compiled = cache.get(k) as CompiledQuery<R> | undefined;
  if (compiled === undefined) {
    compiled = build().compile();
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(k, compiled);
  }
  if (compiled.parameters.length !== parameterCount) {
    throw new Error(`compiled query ${key} takes ${compiled.parameters.length} parameters, was given ${parameterCount}`);
  }
  return compiled;
}
