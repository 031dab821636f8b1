/**
 * Reading a synchronous ACP answer: HTTP status, raw k=v text, the signer certificate's
 * chain, validity and owner (cert.ts), the signature, the merId/orderId echo, and respCode → catalog code.
 */
import type { ErrorCode } from '../../domain/errors.js';
import type { ConnectorFailure, WireResponse } from '../types.js';
import { checkSignerCert } from './cert.js';
import { parseRawPairs, type FieldMap } from './form.js';
import { badResponse as commonBadResponse, classifyFailure, fail as failure, unavailableAnswer, type FailureTable } from '../common/failure.js';
import type { UnionpayContext } from './request.js';
import { verifyFields } from './sign.js';

export interface UnionpayReply {
  readonly op: string;
  readonly fields: FieldMap;
  readonly respCode: string;
  readonly respMsg: string;
}

export type ReplyOutcome = { ok: true; reply: UnionpayReply } | ConnectorFailure;

/** 03 timeout, 04 state unknown, 05 accepted/processing: the outcome is not known yet. */
export const IN_PROGRESS = new Set(['03', '04', '05']);
/** 02 closed for now, 06 busy, 37 too many queries: the same request may be sent again later. */
const RETRYABLE = new Set(['02', '06', '37']);
/** 11 signature check failed, 31 merchant state, 32/43 no permission: credentials or contract. */
const AUTH = new Set(['11', '31', '32', '43']);
export const NOT_FOUND = '34';

const CONNECTOR_CERT_CODE = { expired: 'CONNECTOR.CERT_EXPIRED', untrusted: 'CONNECTOR.CERT_UNTRUSTED', not_unionpay: 'CONNECTOR.CERT_OWNER_MISMATCH' } as const satisfies Record<string, ErrorCode>;

const LABEL = 'UnionPay';

export function badResponse(op: string, detail: string): ConnectorFailure {
  return commonBadResponse(LABEL, op, detail);
}

export function field(reply: UnionpayReply, key: string): string | undefined {
  const v = reply.fields.get(key);
  return v === undefined || v === '' ? undefined : v;
}

/** Every answer must be signed: ACP signs error answers too, so an unsigned one is not UnionPay's. */
export function readReply(ctx: UnionpayContext, op: string, res: WireResponse, expect: Record<string, string> = {}): ReplyOutcome {
  const unavailable = unavailableAnswer(LABEL, op, res);
  if (unavailable) return unavailable;
  if (res.status < 200 || res.status > 299) return badResponse(op, `unexpected HTTP ${res.status}`);
  const fields = parseRawPairs(res.body.trim());
  if (typeof fields === 'string') return badResponse(op, fields);
  const signature = fields.get('signature');
  const certPem = fields.get('signPubKeyCert');
  if (!signature || !certPem) return failure('CONNECTOR.RESPONSE_SIGNATURE_INVALID', `UnionPay ${op}: answer carries no signature or signPubKeyCert`);
  const cert = checkSignerCert(certPem, ctx.credentials, ctx.now);
  if (!cert.ok) return failure(CONNECTOR_CERT_CODE[cert.problem], `UnionPay ${op}: ${cert.message}`);
  if (!verifyFields(Object.fromEntries(fields), signature, cert.key)) {
    return failure('CONNECTOR.RESPONSE_SIGNATURE_INVALID', `UnionPay ${op}: answer signature does not verify with its signPubKeyCert`);
  }
  const respCode = fields.get('respCode');
  if (!respCode) return badResponse(op, 'answer has no respCode');
  const reply: UnionpayReply = { op, fields, respCode, respMsg: fields.get('respMsg') ?? '' };
  // A signed answer about another merchant's or another order's transaction is not ours.
  for (const [key, value] of Object.entries({ merId: ctx.credentials.merId, ...expect })) {
    const got = field(reply, key);
    if (got !== undefined && got !== value) return badResponse(op, `${key} ${JSON.stringify(got)} does not match the request's ${JSON.stringify(value)}`);
  }
  return { ok: true, reply };
}

const UNIONPAY_FAILURES: FailureTable<UnionpayReply> = {
  label: LABEL,
  retryable: (reply) => RETRYABLE.has(reply.respCode) || IN_PROGRESS.has(reply.respCode),
  auth: (reply) => AUTH.has(reply.respCode),
  authHint: 'check mer_id and that the PFX certificate is the one registered with UnionPay',
  success: (reply) => reply.respCode === '00',
};

/** The failure for any answer an operation did not accept as a result. */
export function failureOf(reply: UnionpayReply): ConnectorFailure {
  return classifyFailure(UNIONPAY_FAILURES, reply, { op: reply.op, detail: `respCode ${reply.respCode}${reply.respMsg ? ` ${reply.respMsg}` : ''}`, providerCode: reply.respCode });
}
