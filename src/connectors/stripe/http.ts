/**
 * Request framing and answer classification shared by every Stripe operation: Bearer
 * auth, a pinned API version, Idempotency-Key on every POST, and Stripe's error contract
 * ({error:{type, code, decline_code, message}} plus the Stripe-Should-Retry header).
 */
import type { Connector, ConnectorContext, ConnectorFailure, WireRequest, WireResponse } from '../types.js';
import type { StripeCredentials } from './credentials.js';
import { encodeForm, type FormValue } from './form.js';
import { badResponse as commonBadResponse, classifyFailure, fail, isUnavailableStatus, type FailureTable } from '../common/failure.js';
import { anyString, intField, isObject, objectField, objectsField, type JsonObject } from '../common/json.js';

export type StripeContext = ConnectorContext<StripeCredentials>;
/** The port this connector implements; each operation module declares its members against it. */
export type StripePort = Connector<StripeCredentials>;
export type { JsonObject } from '../common/json.js';

const LABEL = 'stripe';

/** Pinned so answers keep the shape parsed here whatever the account's default version is. */
export const STRIPE_API_VERSION = '2024-06-20';

export function stripeGet(ctx: StripeContext, path: string, query?: Record<string, FormValue>): WireRequest {
  const qs = query ? encodeForm(query) : '';
  return {
    method: 'GET',
    url: `${ctx.baseUrl}${path}${qs ? `?${qs}` : ''}`,
    headers: { authorization: `Bearer ${ctx.credentials.secretKey}`, 'stripe-version': STRIPE_API_VERSION, accept: 'application/json' },
  };
}

/**
 * `idempotencyKey` must be derived from Paygate's own ids, never random: a retry of the same
 * logical operation then replays Stripe's stored answer instead of creating a second object.
 */
export function stripePost(ctx: StripeContext, path: string, params: Record<string, FormValue>, idempotencyKey: string): WireRequest {
  return {
    method: 'POST',
    url: `${ctx.baseUrl}${path}`,
    headers: {
      authorization: `Bearer ${ctx.credentials.secretKey}`,
      'stripe-version': STRIPE_API_VERSION,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      'idempotency-key': idempotencyKey,
    },
    body: encodeForm(params),
  };
}

export interface StripeError {
  type: string;
  code?: string;
  declineCode?: string;
  message: string;
}

export type Reply =
  | { ok: true; object: JsonObject }
  | { ok: false; status: number; failure: ConnectorFailure; error?: StripeError };

export const str = anyString;
export const int = intField;
export const obj = objectField;
/** The data array of a Stripe list or search_result object. */
export const dataOf = (o: JsonObject | undefined): JsonObject[] | undefined => objectsField(o, 'data');

function header(res: WireResponse, name: string): string | undefined {
  for (const [k, v] of Object.entries(res.headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

export function badResponse(op: string, message: string, retryable = false): ConnectorFailure {
  return commonBadResponse(LABEL, op, message, retryable);
}

/** Stripe's code table is its HTTP status: 401/403 credentials, 429/5xx unavailable, the rest (402 a card decline) final. */
const STRIPE_FAILURES: FailureTable<number> = {
  label: LABEL,
  retryable: isUnavailableStatus,
  auth: (status) => status === 401 || status === 403,
};

function parseError(body: JsonObject): StripeError | undefined {
  const e = obj(body, 'error');
  if (!e) return undefined;
  const code = str(e, 'code');
  const declineCode = str(e, 'decline_code');
  return { type: str(e, 'type') ?? 'unknown', message: str(e, 'message') ?? '', ...(code ? { code } : {}), ...(declineCode ? { declineCode } : {}) };
}

export function readReply(op: string, res: WireResponse): Reply {
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    // A proxy's HTML 502 page is an outage, not a protocol error.
    return { ok: false, status: res.status, failure: badResponse(op, `HTTP ${res.status} with a non-JSON body`, res.status >= 500) };
  }
  if (!isObject(body)) return { ok: false, status: res.status, failure: badResponse(op, 'answer is not a JSON object', res.status >= 500) };
  if (res.status >= 200 && res.status < 300) return { ok: true, object: body };

  const error = parseError(body);
  const providerCode = [error?.type, error?.code, error?.declineCode].filter(Boolean).join('/') || `HTTP ${res.status}`;
  const detail = `HTTP ${res.status} ${error?.message ?? ''}`.trim();
  // Stripe's explicit advice wins over the status code in both directions.
  const advice = header(res, 'stripe-should-retry');
  const advised = (f: ConnectorFailure): Reply => ({
    ok: false, status: res.status, ...(error ? { error } : {}),
    failure: { ...f, retryable: advice === 'true' ? true : advice === 'false' ? false : f.retryable },
  });
  // 409: a concurrent request with the same Idempotency-Key is still running at Stripe, so its
  // outcome is not known yet: like no answer, never a reason to replace the request.
  if (res.status === 409) return advised({ ...fail('CONNECTOR.UNAVAILABLE', `${LABEL} ${op}: ${detail}`, true, providerCode), delivery: 'unanswered' });
  // 402 is a card decline: final for this request; callers decide what it means for the payment.
  return advised(classifyFailure(STRIPE_FAILURES, res.status, { op, detail, providerCode }));
}
