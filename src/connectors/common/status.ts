/**
 * Provider status tables. Each connector maps its documented statuses in a Record over their
 * union — a status the provider documents tomorrow is a compile error until it is mapped —
 * and reads it here, where anything undocumented gets the connector's fallback (pending:
 * keep asking), never a success on a guess.
 */
export function statusLookup<S extends string, T>(table: Readonly<Record<S, T>>, fallback: T): (value: string | undefined) => T {
  const known = (v: string): v is S => Object.hasOwn(table, v);
  return (value) => (value !== undefined && known(value) ? table[value] : fallback);
}
