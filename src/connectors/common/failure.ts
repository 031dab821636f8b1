/**
 * One place where a provider's failed answer becomes a ConnectorFailure (the pattern of
 * Hyperswitch's build_error_response): each connector supplies only its code tables — which
 * of its codes mean "try again with the same key", which mean "your credentials or
 * signature were refused" — and this file decides code, retryability and message shape, so
 * the five connectors cannot drift apart on what a retryable or an auth failure is.
 */
import type { ConnectorFailure, WireResponse } from '../types.js';

export function fail(code: ConnectorFailure['code'], message: string, retryable = false, providerCode?: string): ConnectorFailure {
  return providerCode === undefined ? { ok: false, code, retryable, message } : { ok: false, code, retryable, providerCode, message };
}

/** An answer Paygate cannot read; `retryable` only where an outage is the likely cause (a proxy's HTML 502 page). */
export function badResponse(label: string, op: string, detail: string, retryable = false): ConnectorFailure {
  return fail('CONNECTOR.BAD_RESPONSE', `${label} ${op}: ${detail}`, retryable);
}

/**
 * A 5xx or 429 means the provider is unavailable, whatever its body says: the same request
 * may be sent again (same provider-side key). Every provider documents it so; written once
 * here so that no connector classifies an overloaded provider as a refusal.
 */
export function isUnavailableStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/** The failure for a 5xx/429 answer before its body is read (providers whose errors carry no useful body then), else undefined. */
export function unavailableAnswer(label: string, op: string, res: Pick<WireResponse, 'status'>): ConnectorFailure | undefined {
  if (!isUnavailableStatus(res.status)) return undefined;
  return fail('CONNECTOR.UNAVAILABLE', `${label} ${op}: HTTP ${res.status}`, true, `HTTP ${res.status}`);
}

/** A connector's code tables, as predicates over its own reading of an answer (A). */
export interface FailureTable<A> {
  /** "Alipay", "WeChat Pay", … : the prefix of every message. */
  readonly label: string;
  /** The provider says: same request again later (system busy, rate limited, outcome not known yet). */
  readonly retryable: (answer: A) => boolean;
  /** The provider refused our signature, credentials or contract. */
  readonly auth: (answer: A) => boolean;
  /** What to check then, appended to the message; omitted when the provider's own text says it. */
  readonly authHint?: string;
  /** The answer claims success, yet the operation did not accept it as a result. */
  readonly success?: (answer: A) => boolean;
}

/** What the message says about one answer: the operation, the provider's words, its own code. */
export interface FailedAnswer {
  readonly op: string;
  readonly detail: string;
  readonly providerCode?: string | undefined;
}

/** The failure for any answer an operation did not accept as a result. */
export function classifyFailure<A>(table: FailureTable<A>, answer: A, about: FailedAnswer): ConnectorFailure {
  const where = `${table.label} ${about.op}: ${about.detail}`;
  const pc = about.providerCode;
  if (table.retryable(answer)) return fail('CONNECTOR.UNAVAILABLE', where, true, pc);
  if (table.auth(answer)) return fail('CONNECTOR.AUTH_FAILED', table.authHint === undefined ? where : `${where}; ${table.authHint}`, false, pc);
  if (table.success?.(answer)) return badResponse(table.label, about.op, 'success answer was not understood');
  return fail('CONNECTOR.REJECTED', where, false, pc);
}

/** A time the provider's format cannot carry (an invalid Date): refused before anything is formatted. */
export function timeProblem(label: string, field: string, at: Date): ConnectorFailure | undefined {
  return Number.isFinite(at.getTime()) ? undefined : fail('VALIDATION.INVALID_BODY', `${label} ${field} must be a valid time; got an invalid Date`);
}

/**
 * Input the connector cannot send (something the app's amountProblem did not catch, a
 * missing id): the builder returns this instead of throwing, so nothing is sent and the
 * caller settles its rows from a value. Not retryable: the same input fails the same way.
 */
export function unsendable(code: ConnectorFailure['code'], message: string): ConnectorFailure {
  return fail(code, message, false);
}
