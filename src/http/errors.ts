/** The one error → HTTP mapping. Every error the API answers goes through errorResponse. */
import { z } from 'zod';
import { ERROR_CATALOG, PaygateError, type ErrorCode } from '../domain/errors.js';
import { isConnectionError } from '../infra/db/index.js';

export interface ErrorResponse { status: number; body: { error: Record<string, unknown> } }

function build(code: ErrorCode, message: string, requestId: string, extra: Record<string, unknown> = {}): ErrorResponse {
  return { status: ERROR_CATALOG[code].status, body: { error: { code, message, request_id: requestId, ...extra } } };
}

export function errorResponse(err: unknown, requestId: string): ErrorResponse & { unexpected: boolean } {
  if (err instanceof PaygateError) {
    return { ...build(err.code, err.message, requestId, { ...(err.field ? { field: err.field } : {}), ...(err.details ?? {}) }), unexpected: false };
  }
  if (err instanceof z.ZodError) {
    const issue = err.issues[0];
    const field = issue ? issue.path.join('.') : undefined;
    return { ...build('VALIDATION.INVALID_BODY', issue ? `${field || 'body'}: ${issue.message}` : 'invalid request', requestId, field ? { field } : {}), unexpected: false };
  }
  const e = err as { code?: string; statusCode?: number; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { ...build('VALIDATION.BODY_TOO_LARGE', ERROR_CATALOG['VALIDATION.BODY_TOO_LARGE'].hint, requestId), unexpected: false };
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || e.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
    return { ...build('VALIDATION.INVALID_BODY', `${e.message ?? 'bad body'} (send Content-Type: application/json)`, requestId), unexpected: false };
  }
  if (isConnectionError(err)) return { ...build('SERVICE.UNAVAILABLE', ERROR_CATALOG['SERVICE.UNAVAILABLE'].hint, requestId), unexpected: true };
  return { ...build('INTERNAL.ERROR', ERROR_CATALOG['INTERNAL.ERROR'].hint, requestId), unexpected: true };
}
