/**
 * The checks at the edge between stored text and typed values: status columns hold one of
 * the domain's union values, JSON columns one document of a known shape. A row that fails
 * is a corrupt row (or a migration that forgot something) and throws here, where the table
 * and column are still known, instead of travelling on as a wrong type.
 */
import { z } from 'zod';

/** A status column: the stored text must be one of `values`. */
export function statusColumn<const T extends readonly [string, ...string[]]>(table: string, values: T): (stored: string) => T[number] {
  const schema = z.enum(values);
  return (stored) => {
    const r = schema.safeParse(stored);
    if (!r.success) throw new Error(`${table}.status holds ${JSON.stringify(stored)}, not one of ${values.join(', ')}`);
    return r.data;
  };
}

/** A JSON column: parsed, then checked against `schema`. */
export function jsonColumn<S extends z.ZodType>(column: string, schema: S): (stored: string) => z.output<S> {
  return (stored) => {
    // Not JSON at all: JSON.parse's own SyntaxError goes up unchanged (it is what jobs.last_error shows).
    const doc: unknown = JSON.parse(stored);
    const r = schema.safeParse(doc);
    if (!r.success) throw new Error(`${column} does not have the expected shape: ${r.error.message}`);
    return r.data;
  };
}

