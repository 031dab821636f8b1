/**
 * Request validation answers: every problem of a request at once, as
 * `errors: [{field, code, message}]` next to the usual `error`, each message saying what to
 * send instead. zod's own messages ("expected int, received number") describe the check,
 * not the fix, so they are replaced unless the schema gave its own message (a schema's
 * message, e.g. "ISO 4217 code in upper case, e.g. CNY", already says what to send).
 */
import { z } from 'zod';
import { PaygateError, type ErrorCode } from '../domain/errors.js';
import { isSupportedCurrency, parseMinor } from '../domain/money.js';

export type RequestPart = 'path' | 'query' | 'body';
export interface Problem { field: string; code: string; message: string }

const PART_CODE: Record<RequestPart, ErrorCode> = { path: 'VALIDATION.INVALID_PATH', query: 'VALIDATION.INVALID_QUERY', body: 'VALIDATION.INVALID_BODY' };

/** Marks zod's default messages, so problemsOf knows which ones to rewrite. */
const DEFAULT = '\u0000default';
const PARSE_OPTS = { reportInput: true, error: () => DEFAULT } as const;

/** Parses one part of a request; the issues come back for problemsOf instead of a throw. */
export function check<T extends z.ZodType>(schema: T | undefined, input: unknown): { ok: true; value: z.infer<T> } | { ok: false; issues: z.core.$ZodIssue[] } {
  if (!schema) return { ok: true, value: {} as z.infer<T> };
  const r = schema.safeParse(input, PARSE_OPTS);
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: r.error.issues };
}

/** The failed parts of one request → one PaygateError (code of the first failed part, in path, query, body order). */
export function validationError(failed: ReadonlyArray<{ part: RequestPart; issues: readonly z.core.$ZodIssue[]; input: unknown }>): PaygateError {
  const problems = failed.flatMap((f) => problemsOf(f.issues, f.input));
  const first = failed[0]?.part ?? 'body';
  const summary = problems.map((p) => `${p.field || first}: ${p.message}`).join('; ');
  return new PaygateError(PART_CODE[first], problems.length > 1 ? `${problems.length} problems: ${summary}` : summary || 'invalid request', {
    ...(problems[0]?.field ? { field: problems[0].field } : {}),
    details: { errors: problems },
  });
}

/** A ZodError thrown elsewhere (not through check) → the same answer, as a body problem. */
export function fromZodError(err: z.ZodError, input?: unknown): PaygateError {
  return validationError([{ part: 'body', issues: err.issues, input }]);
}

export function problemsOf(issues: readonly z.core.$ZodIssue[], root: unknown): Problem[] {
  const out: Problem[] = [];
  for (const iss of issues) {
    const field = iss.path.map(String).join('.');
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) out.push({ field: field ? `${field}.${key}` : key, code: 'unknown_field', message: 'not a field of this request: remove it (check the spelling against the API reference)' });
      continue;
    }
    const input = (iss as { input?: unknown }).input;
    // Absent where a value is needed (a type or an enum): say it is required, not "received undefined".
    const missing = (iss.code === 'invalid_type' || iss.code === 'invalid_value') && input === undefined;
    const code = missing ? 'required' : iss.code;
    const last = String(iss.path[iss.path.length - 1] ?? '');
    let message: string;
    if (iss.message !== DEFAULT && iss.message !== '') message = iss.message;
    else if (/(^|_)amount$/.test(last) && !missing) message = minorUnitsMessage(input, currencyOf(root));
    else message = describe(iss, input, missing);
    out.push({ field, code, message });
  }
  return out;
}

function currencyOf(root: unknown): string {
  const c = root && typeof root === 'object' ? (root as { currency?: unknown }).currency : undefined;
  return typeof c === 'string' && isSupportedCurrency(c) ? c : 'CNY';
}

/** Amounts are integers in the currency's minor unit: say so, with the amount the sender probably meant. */
export function minorUnitsMessage(input: unknown, currency: string): string {
  const meant = typeof input === 'number' && Number.isFinite(input) && input > 0 ? parseMinor(String(input), currency) : null;
  const example = meant !== null && String(meant) !== String(input) ? `${meant} for ${String(input)} ${currency}` : `8888 for 88.88 ${currency === 'CNY' || currency.length !== 3 ? 'CNY' : currency}`;
  return `send an integer number of minor units (a positive whole number of the currency's smallest unit), e.g. ${example}`;
}

function kind(expected: string): string {
  switch (expected) {
    case 'int': return 'an integer';
    case 'number': return 'a number';
    case 'string': return 'a string';
    case 'boolean': return 'true or false';
    case 'object': return 'a JSON object';
    case 'array': return 'a JSON array';
    case 'record': return 'a JSON object of string values';
    default: return `a value of type ${expected}`;
  }
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number' && Number.isNaN(v)) return 'something that is not a number';
  if (typeof v === 'number' && !Number.isInteger(v)) return `the fraction ${v}`;
  return typeof v === 'object' ? 'an object' : `the ${typeof v} ${JSON.stringify(v)}`.slice(0, 80);
}

function describe(iss: z.core.$ZodIssue, input: unknown, missing: boolean): string {
  switch (iss.code) {
    case 'invalid_type':
      return missing ? `required: send ${kind(iss.expected)}` : `send ${kind(iss.expected)}, not ${typeOf(input)}`;
    case 'too_small': {
      const n = Number(iss.minimum);
      if (iss.origin === 'string') return `send at least ${n} character${n === 1 ? '' : 's'}`;
      if (iss.origin === 'array' || iss.origin === 'set') return `send at least ${n} item${n === 1 ? '' : 's'}`;
      return iss.inclusive === false ? `send a number greater than ${n}` : `send a number of at least ${n}`;
    }
    case 'too_big': {
      const n = Number(iss.maximum);
      if (iss.origin === 'string') return `send at most ${n} characters`;
      if (iss.origin === 'array' || iss.origin === 'set') return `send at most ${n} items`;
      return iss.inclusive === false ? `send a number less than ${n}` : `send a number of at most ${n}`;
    }
    case 'invalid_value':
      return `${missing ? 'required: ' : ''}send one of: ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      if (iss.format === 'regex') return `send a string matching ${(iss as { pattern?: string }).pattern ?? 'the documented pattern'}`;
      if (iss.format === 'url') return 'send an absolute URL, e.g. https://shop.example/webhooks';
      if (iss.format === 'email') return 'send an e-mail address, e.g. buyer@example.com';
      return `send a valid ${iss.format}`;
    case 'not_multiple_of':
      return `send a multiple of ${String(iss.divisor)}`;
    case 'invalid_union':
      return 'send a value of one of the documented shapes (see the OpenAPI document at /openapi.json)';
    default:
      return 'send a value of the documented shape (see the OpenAPI document at /openapi.json)';
  }
}
