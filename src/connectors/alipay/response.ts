/**
 * Reading a gateway answer: HTTP status, JSON envelope, signature over the raw
 * `<method>_response` text, and the mapping of Alipay's code/sub_code onto catalog codes.
 * Operation parsers decide which business answers are results; everything else ends here.
 */
import { parseMinor } from '../../domain/money.js';
import type { ConnectorContext, ConnectorFailure, WireResponse } from '../types.js';
import { signatureHint, verificationKeys, type AlipayCredentials } from './credentials.js';
import { topLevelSpans } from './json-span.js';
import { verifyRsa2 } from './sign.js';
import { badResponse as commonBadResponse, classifyFailure, fail, unavailableAnswer, type FailureTable } from '../common/failure.js';
import { anyString, isObject, stringField as nodeString } from '../common/json.js';

const LABEL = 'Alipay';

export interface AlipayReply {
  readonly method: string;
  /**
   * True when the node's signature verified. Unsigned answers (error_response and some
   * gateway-level errors) can only ever become failures, never results: nobody vouches
   * for them.
   */
  readonly signed: boolean;
  readonly node: Readonly<Record<string, unknown>>;
  readonly code: string;
  readonly msg: string;
  readonly subCode: string | undefined;
  readonly subMsg: string | undefined;
}

export type ReplyOutcome = { ok: true; reply: AlipayReply } | ConnectorFailure;

export const SUCCESS_CODE = '10000';
export const BUSINESS_FAILURE_CODE = '40004';

// ACQ.SYSTEM_ERROR is Alipay's "try again with the same out_trade_no/out_request_no"; the
// aop.-prefixed form is the same error relayed by the open-platform layer.
const RETRYABLE_SUB_CODES = new Set(['ACQ.SYSTEM_ERROR', 'aop.ACQ.SYSTEM_ERROR']);
const AUTH_SUB_CODES = new Set([
  'isv.invalid-signature',
  'isv.invalid-signature-type',
  'isv.missing-signature',
  'isv.invalid-app-id',
  'isv.missing-app-id',
  // Certificate mode: app_cert_sn / alipay_root_cert_sn missing or not the app's.
  'isv.invalid-app-cert-sn',
  'isv.missing-app-cert-sn',
  'isv.invalid-alipay-root-cert-sn',
  'isv.missing-alipay-root-cert-sn',
]);

export { fail };

export function badResponse(method: string, detail: string): ConnectorFailure {
  return commonBadResponse(LABEL, method, detail);
}

export function responseKey(method: string): string {
  return `${method.replaceAll('.', '_')}_response`;
}

/** What reading an answer needs: the keys, and the time certificates must be valid at. */
export type ReplyContext = Pick<ConnectorContext<AlipayCredentials>, 'credentials' | 'now'>;

export function readReply(ctx: ReplyContext, method: string, res: WireResponse): ReplyOutcome {
  const unavailable = unavailableAnswer(LABEL, method, res);
  if (unavailable) return unavailable;
  if (res.status < 200 || res.status > 299) return badResponse(method, `unexpected HTTP ${res.status}`);

  let body: unknown;
  let spans: ReturnType<typeof topLevelSpans>;
  try {
    body = JSON.parse(res.body);
    if (!isObject(body)) return badResponse(method, 'body is not a JSON object');
    spans = topLevelSpans(res.body);
  } catch {
    return badResponse(method, 'body is not valid JSON');
  }

  const own = responseKey(method);
  const key = own in body ? own : 'error_response' in body ? 'error_response' : undefined;
  if (key === undefined) return badResponse(method, `body has neither ${own} nor error_response`);
  const nodeSpans = spans.get(key) ?? [];
  // JSON.parse keeps the last duplicate while a signature may cover the first: refuse the
  // ambiguity instead of choosing.
  if (nodeSpans.length !== 1 || (spans.get('sign')?.length ?? 0) > 1) {
    return badResponse(method, `duplicate ${key} or sign member`);
  }
  const node = body[key];
  if (!isObject(node)) return badResponse(method, `${key} is not an object`);

  // Certificate mode: alipay_cert_sn (beside the node, not signed) names the certificate
  // whose key signed; a forged SN can only pick among certificates the merchant trusts.
  const certSn = body.alipay_cert_sn;
  if ((spans.get('alipay_cert_sn')?.length ?? 0) > 1 || (certSn !== undefined && typeof certSn !== 'string')) {
    return badResponse(method, 'alipay_cert_sn is repeated or not a string');
  }
  const hint = signatureHint(ctx.credentials, certSn !== undefined);
  let signed = false;
  if (body.sign !== undefined) {
    const choice = verificationKeys(ctx.credentials, certSn === '' ? undefined : certSn, ctx.now);
    if (!choice.ok) return fail(choice.reason === 'unknown' ? 'CONNECTOR.CERT_UNKNOWN' : 'CONNECTOR.CERT_EXPIRED', `Alipay ${method}: ${choice.message}`);
    const span = nodeSpans[0];
    const sign = body.sign;
    const text = span === undefined ? undefined : res.body.slice(span.start, span.end);
    if (typeof sign !== 'string' || text === undefined || !choice.keys.some((key) => verifyRsa2(text, sign, key))) {
      return fail('CONNECTOR.RESPONSE_SIGNATURE_INVALID', `Alipay ${method}: response signature did not verify; ${hint}`);
    }
    signed = true;
  }

  const code = node.code;
  if (typeof code !== 'string' || code === '') return badResponse(method, `${key}.code is missing`);
  if (code === SUCCESS_CODE && !signed) {
    return fail('CONNECTOR.RESPONSE_SIGNATURE_INVALID', `Alipay ${method}: success answer carries no sign; ${hint}`);
  }
  return {
    ok: true,
    reply: {
      method,
      signed,
      node,
      code,
      msg: anyString(node, 'msg') ?? '',
      subCode: anyString(node, 'sub_code'),
      subMsg: anyString(node, 'sub_msg'),
    },
  };
}

export function providerCode(reply: AlipayReply): string {
  return reply.subCode ? `${reply.code}/${reply.subCode}` : reply.code;
}

export function isRetryable(reply: AlipayReply): boolean {
  return reply.code === '20000' || (reply.subCode !== undefined && RETRYABLE_SUB_CODES.has(reply.subCode));
}

/** A signed 40004 with this sub_code: a business answer an operation may turn into a result. */
export function isSignedBusiness(reply: AlipayReply, ...subCodes: string[]): boolean {
  return reply.signed && reply.code === BUSINESS_FAILURE_CODE && reply.subCode !== undefined && subCodes.includes(reply.subCode);
}

export function describeReply(reply: AlipayReply): string {
  const text = reply.subMsg ?? reply.msg;
  return `${providerCode(reply)}${text ? ` ${text}` : ''}${reply.signed ? '' : ' (unsigned answer)'}`;
}

const ALIPAY_FAILURES: FailureTable<AlipayReply> = {
  label: LABEL,
  retryable: isRetryable,
  auth: (reply) => reply.code === '20001' || (reply.code === '40002' && reply.subCode !== undefined && AUTH_SUB_CODES.has(reply.subCode)),
  authHint: 'check app_id and that the app public key registered at Alipay matches private_key (certificate mode: that app_cert and alipay_root_cert are the files downloaded for this app)',
  success: (reply) => reply.code === SUCCESS_CODE,
};

/** The failure for any answer an operation did not accept as a result. */
export function failureOf(reply: AlipayReply): ConnectorFailure {
  return classifyFailure(ALIPAY_FAILURES, reply, { op: reply.method, detail: describeReply(reply), providerCode: providerCode(reply) });
}

/** readReply, then the out_trade_no echo: a signed answer about another trade is not ours. */
export function readTradeReply(ctx: ReplyContext, method: string, res: WireResponse, reference: string): ReplyOutcome {
  const read = readReply(ctx, method, res);
  if (!read.ok) return read;
  return echoMismatch(read.reply, 'out_trade_no', reference) ?? read;
}

/** BAD_RESPONSE when the node names a different value for a field we sent. */
export function echoMismatch(reply: AlipayReply, field: string, expected: string): ConnectorFailure | undefined {
  const value = reply.node[field];
  if (value === undefined) return undefined;
  if (value !== expected) {
    return badResponse(reply.method, `${field} ${JSON.stringify(value)} does not match the request's ${JSON.stringify(expected)}`);
  }
  return undefined;
}

/** CNY yuan text → minor units; 'bad' for anything malformed, undefined when absent. */
export function yuanField(reply: AlipayReply, field: string): number | undefined | 'bad' {
  const value = reply.node[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return 'bad';
  return parseMinor(value, 'CNY') ?? 'bad';
}

export function stringField(reply: AlipayReply, field: string): string | undefined {
  return nodeString(reply.node, field);
}
