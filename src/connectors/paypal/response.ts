/** Reading PayPal answers: JSON bodies, error objects {name, message, debug_id, details[{issue}]}. */
import { parseMinor } from '../../domain/money.js';
import type { ConnectorFailure, WireResponse } from '../types.js';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(o: Json | undefined, key: string): string | undefined {
  const v = o?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function obj(o: Json | undefined, key: string): Json | undefined {
  const v = o?.[key];
  return isObject(v) ? v : undefined;
}

export function first(o: Json | undefined, key: string): Json | undefined {
  const v = o?.[key];
  return Array.isArray(v) && isObject(v[0]) ? v[0] : undefined;
}

export function bad(operation: string, message: string): ConnectorFailure {
  return { ok: false, code: 'CONNECTOR.BAD_RESPONSE', retryable: false, message: `paypal ${operation}: ${message}` };
}

/** The first details[].issue, else the error name: what callers branch on (INSTRUMENT_DECLINED, ORDER_NOT_APPROVED …). */
export function issueOf(body: Json | undefined): string | undefined {
  return str(first(body, 'details'), 'issue') ?? str(body, 'name') ?? str(body, 'error');
}

export function parseJson(res: WireResponse): Json | undefined {
  try {
    const v: unknown = JSON.parse(res.body);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Non-2xx answers as failures; 2xx as the parsed body. */
export function readReply(operation: string, res: WireResponse): { ok: true; body: Json } | ConnectorFailure {
  const body = parseJson(res);
  if (res.status >= 200 && res.status < 300) return body ? { ok: true, body } : bad(operation, `HTTP ${res.status} without a JSON object`);
  return failureOf(operation, res.status, body);
}

export function failureOf(operation: string, status: number, body: Json | undefined): ConnectorFailure {
  const issue = issueOf(body);
  const text = `paypal ${operation}: HTTP ${status}${issue ? ` ${issue}` : ''}${str(body, 'message') ? `: ${str(body, 'message')}` : ''}${str(body, 'debug_id') ? ` (debug_id ${str(body, 'debug_id')})` : ''}`;
  const base = issue ? { providerCode: issue } : {};
  if (status === 401) return { ok: false, code: 'CONNECTOR.AUTH_FAILED', retryable: false, message: `${text}; check client_id and client_secret`, ...base };
  if (status === 429 || status >= 500) return { ok: false, code: 'CONNECTOR.UNAVAILABLE', retryable: true, message: text, ...base };
  return { ok: false, code: 'CONNECTOR.REJECTED', retryable: false, message: text, ...base };
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
