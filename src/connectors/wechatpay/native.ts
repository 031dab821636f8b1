/**
 * POST /v3/pay/transactions/native: creates the order and returns code_url, the content of
 * the QR code the buyer scans with WeChat.
 */
import type { ConnectorFailure, CreateInput, CreateResult, WireRequest, WireResponse } from '../types.js';
import { amountProblem, CURRENCY } from './amount.js';
import { apiRequest, type WechatpayContext, type WechatpayPort } from './request.js';
import { badResponse, failureOf, readReply, stringField } from './response.js';
import { timeProblem } from '../common/failure.js';
import { rfc3339China } from './time.js';

export const NATIVE = 'native order';
export const NATIVE_PATH = '/v3/pay/transactions/native';
/** description is string(127) at WeChat Pay. */
const MAX_DESCRIPTION = 127;
const OUT_TRADE_NO = /^[A-Za-z0-9_\-|*]{6,32}$/;

export function checkCreateInput(input: CreateInput): ConnectorFailure | undefined {
  if (!OUT_TRADE_NO.test(input.reference)) return { ok: false, code: 'VALIDATION.INVALID_BODY', retryable: false, message: `out_trade_no must be 6..32 of [A-Za-z0-9_-|*]; got ${JSON.stringify(input.reference)}` };
  return amountProblem(input.amount, input.currency, 'amount.total') ?? timeProblem('WeChat Pay', 'time_expire', input.expiresAt);
}

export function buildNative(ctx: WechatpayContext, input: CreateInput): WireRequest | ConnectorFailure {
  const problem = checkCreateInput(input);
  // A caller that skipped the app's amount check gets the failure as a value and nothing is sent.
  if (problem) return problem;
  // Cut by code point, so a long Chinese description is never split inside a character.
  const description = Array.from(input.description.trim() || input.reference).slice(0, MAX_DESCRIPTION).join('');
  return apiRequest(ctx, 'POST', NATIVE_PATH, {
    appid: ctx.credentials.appid,
    mchid: ctx.credentials.mchid,
    description,
    out_trade_no: input.reference,
    time_expire: rfc3339China(input.expiresAt),
    // Exactly as given: WeChat Pay calls this URL verbatim.
    notify_url: ctx.notifyUrl,
    amount: { total: input.amount, currency: CURRENCY },
  });
}

export function parseNative(ctx: WechatpayContext, input: CreateInput, res: WireResponse): CreateResult {
  const problem = checkCreateInput(input);
  if (problem) return problem;
  const read = readReply(ctx, NATIVE, res);
  if (!read.ok) return read;
  const { reply } = read;
  if (reply.status !== 200) return failureOf(reply);
  const codeUrl = stringField(reply.body, 'code_url');
  if (codeUrl === undefined) return badResponse(NATIVE, 'success answer has no code_url');
  return { ok: true, reference: input.reference, qrCode: codeUrl };
}

export const native: WechatpayPort['create'] = { build: buildNative, parse: parseNative };
