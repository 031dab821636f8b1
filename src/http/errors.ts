/** The one error → HTTP mapping. Every error the API answers goes through errorResponse. */
import { z } from 'zod';
import { ERROR_CATALOG, PaygateError, type ErrorCode } from '../domain/errors.js';
import { isDatabaseUnreachable } from '../app/ops.js';
import { fromZodError, type Problem } from './validation.js';

/** `errors` lists every validation problem of the request (http/validation.ts), next to `error`. */
export interface ErrorResponse { status: number; body: { error: Record<string, unknown>; errors?: Problem[] } }

function build(code: ErrorCode, message: string, requestId: string, extra: Record<string, unknown> = {}): ErrorResponse {
  const { errors, ...rest } = extra;
  return { status: ERROR_CATALOG[code].status, body: { error: { code, message, request_id: requestId, ...rest }, ...(Array.isArray(errors) ? { errors: errors as Problem[] } : {}) } };
}

function fromPaygate(err: PaygateError, requestId: string): ErrorResponse {
  return build(err.code, err.message, requestId, { ...(err.field ? { field: err.field } : {}), ...(err.details ?? {}) });
}

export function errorResponse(err: unknown, requestId: string): ErrorResponse & { unexpected: boolean } {
  if (err instanceof PaygateError) return { ...fromPaygate(err, requestId), unexpected: false };
  if (err instanceof z.ZodError) return { ...fromPaygate(fromZodError(err), requestId), unexpected: false };
  const e = err as { code?: string; statusCode?: number; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { ...build('VALIDATION.BODY_TOO_LARGE', ERROR_CATALOG['VALIDATION.BODY_TOO_LARGE'].hint, requestId), unexpected: false };
  // No parser for the request's Content-Type (a form, text/plain, …): the API reads JSON only.
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return { ...build('VALIDATION.UNSUPPORTED_MEDIA_TYPE', `${e.message ?? 'unsupported media type'}; send the body as JSON with Content-Type: application/json`, requestId), unexpected: false };
  }
  if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || e.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
    return { ...build('VALIDATION.INVALID_BODY', `${e.message ?? 'bad body'} (send Content-Type: application/json)`, requestId), unexpected: false };
  }
  if (isDatabaseUnreachable(err)) return { ...build('SERVICE.UNAVAILABLE', ERROR_CATALOG['SERVICE.UNAVAILABLE'].hint, requestId), unexpected: true };
  return { ...build('INTERNAL.ERROR', ERROR_CATALOG['INTERNAL.ERROR'].hint, requestId), unexpected: true };
}
