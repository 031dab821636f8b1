/**
 * Reading an APIv3 answer: HTTP status, the Wechatpay-* signature over the raw body, the
 * JSON body, and the mapping of WeChat's {code, message} errors onto catalog codes.
 * Only a signed answer can become a result; an unsigned one can only ever be a failure.
 */
import type { ConnectorFailure, WireResponse } from '../types.js';
import type { WechatpayContext } from './request.js';
import { hasSignatureHeaders, verifyWechatpaySignature } from './verify.js';
import { badResponse as commonBadResponse, classifyFailure, fail, unavailableAnswer, type FailureTable } from '../common/failure.js';
import { isObject } from '../common/json.js';

export { objectField, stringField } from '../common/json.js';

const LABEL = 'WeChat Pay';

export interface WechatReply {
  readonly op: string;
  readonly status: number;
  readonly signed: boolean;
  /** Parsed JSON object; empty for 204. */
  readonly body: Readonly<Record<string, unknown>>;
  /** Error answers: WeChat's code and message. */
  readonly code: string | undefined;
  readonly message: string | undefined;
}

export type ReplyOutcome = { ok: true; reply: WechatReply } | ConnectorFailure;

// SYSTEM_ERROR / FREQUENCY_LIMITED: "try again with the same out_trade_no / out_refund_no".
// NOT_ENOUGH (refund: merchant balance short) clears once funds arrive: retry later, same key.
const RETRYABLE_CODES = new Set(['SYSTEM_ERROR', 'SYSTEMERROR', 'FREQUENCY_LIMITED', 'NOT_ENOUGH', 'BANKERROR']);

export const SIGNATURE_HINT = 'check wechatpay_public_key_id / wechatpay_public_key (or platform_certificates) for this account and the server clock';

export { fail };

export function badResponse(op: string, detail: string): ConnectorFailure {
  return commonBadResponse(LABEL, op, detail);
}

export function readReply(ctx: WechatpayContext, op: string, res: WireResponse): ReplyOutcome {
  const unavailable = unavailableAnswer(LABEL, op, res);
  if (unavailable) return unavailable;
  if (res.status < 200 || (res.status > 299 && res.status < 400) || res.status > 499) return badResponse(op, `unexpected HTTP ${res.status}`);
  let signed = false;
  if (hasSignatureHeaders(res.headers)) {
    const check = verifyWechatpaySignature(ctx.credentials, res.headers, res.body, ctx.now);
    signed = check.ok;
    // A 2xx is a result-bearing answer: a bad signature there is an attack or a key problem.
    if (!check.ok && res.status < 300) return fail('CONNECTOR.RESPONSE_SIGNATURE_INVALID', `WeChat Pay ${op}: ${check.message}; ${SIGNATURE_HINT}`);
  } else if (res.status < 300) {
    return fail('CONNECTOR.RESPONSE_SIGNATURE_INVALID', `WeChat Pay ${op}: HTTP ${res.status} answer carries no Wechatpay-Signature; ${SIGNATURE_HINT}`);
  }
  let body: Record<string, unknown> = {};
  if (res.body.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      return badResponse(op, `HTTP ${res.status} body is not JSON`);
    }
    if (!isObject(parsed)) return badResponse(op, `HTTP ${res.status} body is not a JSON object`);
    body = parsed;
  } else if (res.status !== 204 && res.status < 300) {
    return badResponse(op, `HTTP ${res.status} answer has an empty body`);
  }
  const code = typeof body.code === 'string' && res.status >= 400 ? body.code : undefined;
  const message = typeof body.message === 'string' && res.status >= 400 ? body.message : undefined;
  if (res.status >= 400 && code === undefined) return badResponse(op, `HTTP ${res.status} error without a code`);
  return { ok: true, reply: { op, status: res.status, signed, body, code, message } };
}

/** A signed error answer with one of these codes: a business answer an operation may turn into a result. */
export function isSignedError(reply: WechatReply, ...codes: string[]): boolean {
  return reply.signed && reply.status >= 400 && reply.code !== undefined && codes.includes(reply.code);
}

export function describe(reply: WechatReply): string {
  return `HTTP ${reply.status} ${reply.code ?? ''}${reply.message ? ` ${reply.message}` : ''}${reply.signed ? '' : ' (unsigned answer)'}`;
}

const WECHATPAY_FAILURES: FailureTable<WechatReply> = {
  label: LABEL,
  retryable: (reply) => reply.code !== undefined && RETRYABLE_CODES.has(reply.code),
  auth: (reply) => reply.status === 401 || reply.code === 'SIGN_ERROR',
  authHint: 'check mchid, merchant_serial_no and that private_key is the key of that merchant API certificate',
  success: (reply) => reply.status < 300,
};

/** The failure for any answer an operation did not accept as a result. */
export function failureOf(reply: WechatReply): ConnectorFailure {
  return classifyFailure(WECHATPAY_FAILURES, reply, { op: reply.op, detail: describe(reply), providerCode: reply.code });
}

/** Fen amounts are JSON integers; anything else (floats, strings) is malformed. */
export function fenField(node: Readonly<Record<string, unknown>> | undefined, field: string): number | undefined | 'bad' {
  if (node === undefined) return undefined;
  const v = node[field];
  if (v === undefined) return undefined;
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 'bad';
}

/** BAD_RESPONSE when the answer names a different value than the one we asked about. */
export function echoMismatch(reply: WechatReply, field: string, expected: string): ConnectorFailure | undefined {
  const value = reply.body[field];
  if (value === undefined || value === expected) return undefined;
  return badResponse(reply.op, `${field} ${JSON.stringify(value)} does not match the request's ${JSON.stringify(expected)}`);
}
