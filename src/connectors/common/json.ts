/**
 * Readers for fields of parsed JSON answers and notifications. Provider JSON is untrusted
 * input: every read checks the type instead of casting, and a field of the wrong type reads
 * as absent, leaving the operation to decide whether absence is an error.
 */
export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-empty string, else undefined: providers send "" for fields they have no value for. */
export function stringField(node: Readonly<JsonObject> | undefined, key: string): string | undefined {
  const v = node?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Any string, the empty one included (where "" is a value, e.g. a message). */
export function anyString(node: Readonly<JsonObject> | undefined, key: string): string | undefined {
  const v = node?.[key];
  return typeof v === 'string' ? v : undefined;
}

export function objectField(node: Readonly<JsonObject> | undefined, key: string): JsonObject | undefined {
  const v = node?.[key];
  return isObject(v) ? v : undefined;
}

export function intField(node: Readonly<JsonObject> | undefined, key: string): number | undefined {
  const v = node?.[key];
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

/** The objects of an array field; other elements are dropped, a missing or non-array field is undefined. */
export function objectsField(node: Readonly<JsonObject> | undefined, key: string): JsonObject[] | undefined {
  const v = node?.[key];
  return Array.isArray(v) ? v.filter(isObject) : undefined;
}

/** The body as a JSON object, or undefined when it is not JSON or not an object. */
export function parseJsonObject(text: string): JsonObject | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
