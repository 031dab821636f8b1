/** Reading PayPal answers: JSON bodies, error objects {name, message, debug_id, details[{issue}]}. */
import { parseMinor } from '../../domain/money.js';
import type { ConnectorFailure, WireResponse } from '../types.js';
import { badResponse, classifyFailure, isUnavailableStatus, type FailureTable } from '../common/failure.js';
import { isObject, objectField, parseJsonObject, stringField, type JsonObject } from '../common/json.js';

export type Json = JsonObject;
export { isObject };

export const str = stringField;
export const obj = objectField;

const LABEL = 'paypal';

/** PayPal's code table is its HTTP status; the issue names what was refused. */
const PAYPAL_FAILURES: FailureTable<number> = {
  label: LABEL,
  retryable: isUnavailableStatus,
  auth: (status) => status === 401,
  authHint: 'check client_id and client_secret',
};

export function first(o: Json | undefined, key: string): Json | undefined {
  const v = o?.[key];
  return Array.isArray(v) && isObject(v[0]) ? v[0] : undefined;
}

export function bad(operation: string, message: string): ConnectorFailure {
  return badResponse(LABEL, operation, message);
}

/** The first details[].issue, else the error name: what callers branch on (INSTRUMENT_DECLINED, ORDER_NOT_APPROVED …). */
export function issueOf(body: Json | undefined): string | undefined {
  return str(first(body, 'details'), 'issue') ?? str(body, 'name') ?? str(body, 'error');
}

export function parseJson(res: WireResponse): Json | undefined {
  return parseJsonObject(res.body);
}

/** Non-2xx answers as failures; 2xx as the parsed body. */
export function readReply(operation: string, res: WireResponse): { ok: true; body: Json } | ConnectorFailure {
  const body = parseJson(res);
  if (res.status >= 200 && res.status < 300) return body ? { ok: true, body } : bad(operation, `HTTP ${res.status} without a JSON object`);
  return failureOf(operation, res.status, body);
}

export function failureOf(operation: string, status: number, body: Json | undefined): ConnectorFailure {
  const issue = issueOf(body);
  const detail = `HTTP ${status}${issue ? ` ${issue}` : ''}${str(body, 'message') ? `: ${str(body, 'message')}` : ''}${str(body, 'debug_id') ? ` (debug_id ${str(body, 'debug_id')})` : ''}`;
  return classifyFailure(PAYPAL_FAILURES, status, { op: operation, detail, providerCode: issue });
}

/** {currency_code, value} → minor units, only when the currency is the expected one. */
export function amountOf(a: Json | undefined, currency: string): number | 'bad' | undefined {
  if (!a) return undefined;
  const code = str(a, 'currency_code');
  const value = str(a, 'value');
  if (code !== currency || value === undefined) return 'bad';
  const n = parseMinor(value, currency);
  return n === null || n < 0 ? 'bad' : n;
}
