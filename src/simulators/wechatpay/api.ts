// The /v3 API surface: Authorization check, signed answers (errors included, as WeChat Pay
// signs them too), fault injection, and the payment / refund endpoints.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SimContext } from './context.js';
import { AUTH_SCHEME, parseAuthorization, randomNonce, requestSigningString, responseSigningString, sha256WithRsaSign, sha256WithRsaVerify } from './crypto.js';
import { HANG_MS } from '../common/faults.js';
import { newRequestId } from './ids.js';
import type { MerchantRow } from './store.js';

/** WeChat's answer for a refused request: HTTP status + {code, message}. */
export class WxError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export interface Answer {
  status: number;
  body?: Record<string, unknown>;
}

export interface Call {
  merchant: MerchantRow;
  req: FastifyRequest;
  body: Record<string, unknown>;
}

/** WeChat Pay rejects requests whose timestamp is more than 5 minutes off. */
const MAX_SKEW_S = 300;

export const paramError = (message: string): WxError => new WxError(400, 'PARAM_ERROR', message);

export function authenticate(sim: SimContext, req: FastifyRequest): MerchantRow {
  const header = req.headers.authorization;
  const auth = parseAuthorization(typeof header === 'string' ? header : undefined);
  if (typeof auth === 'string') throw new WxError(401, 'SIGN_ERROR', auth);
  const merchant = sim.store.getMerchant(auth.mchid);
  const key = merchant ? sim.merchantKey(merchant.mchid) : undefined;
  if (!merchant || !key) throw new WxError(401, 'SIGN_ERROR', `商户号 ${auth.mchid} 未在沙箱注册 (register it with POST /_merchants)`);
  if (auth.serial_no.toUpperCase() !== merchant.serial_no.toUpperCase()) {
    throw new WxError(401, 'SIGN_ERROR', `商户证书序列号 ${auth.serial_no} 有误，应为 ${merchant.serial_no}`);
  }
  if (!/^\d{1,12}$/.test(auth.timestamp) || Math.abs(Math.floor(sim.now() / 1000) - Number(auth.timestamp)) > MAX_SKEW_S) {
    throw new WxError(401, 'SIGN_ERROR', `timestamp ${auth.timestamp} 与当前时间相差超过 ${MAX_SKEW_S} 秒`);
  }
  const message = requestSigningString(req.method, req.url, auth.timestamp, auth.nonce_str, sim.rawBody(req));
  if (!sha256WithRsaVerify(message, auth.signature, key)) {
    throw new WxError(401, 'SIGN_ERROR', `签名错误，请检查后再试。验签串为：${JSON.stringify(message)}`);
  }
  return merchant;
}

function mchidOf(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  const auth = parseAuthorization(typeof header === 'string' ? header : undefined);
  return typeof auth === 'string' ? undefined : auth.mchid;
}

/** Signs `timestamp\nnonce\nbody\n` with the merchant's configured WeChat Pay key. */
export function send(sim: SimContext, reply: FastifyReply, mchid: string | undefined, answer: Answer): FastifyReply {
  const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
  const signer = sim.signerFor(mchid);
  const timestamp = String(Math.floor(sim.now() / 1000));
  const nonce = randomNonce();
  reply
    .code(answer.status)
    .header('request-id', newRequestId())
    .header('wechatpay-timestamp', timestamp)
    .header('wechatpay-nonce', nonce)
    .header('wechatpay-serial', signer.serial)
    .header('wechatpay-signature', sha256WithRsaSign(responseSigningString(timestamp, nonce, body), signer.privateKey))
    .header('wechatpay-signature-type', AUTH_SCHEME);
  if (body === '') return reply.send();
  // Sent as a string so the bytes on the wire are exactly the bytes signed.
  return reply.type('application/json; charset=utf-8').send(body);
}

function parseJsonBody(sim: SimContext, req: FastifyRequest): Record<string, unknown> {
  const raw = sim.rawBody(req);
  if (raw === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw paramError('请求体不是合法的 JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw paramError('请求体必须是 JSON 对象');
  return parsed as Record<string, unknown>;
}

type Handler = (call: Call) => Answer;

export function route(sim: SimContext, handler: Handler) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const mchid = mchidOf(req);
    // Faults strike before anything is checked or changed, like an outage in front of WeChat Pay.
    const faults = sim.faults();
    if (faults.latency_ms > 0) await sim.sleep(faults.latency_ms);
    if (faults.timeout_rate > 0 && sim.random() < faults.timeout_rate) {
      await sim.sleep(HANG_MS);
      return send(sim, reply, mchid, { status: 500, body: { code: 'SYSTEM_ERROR', message: '系统错误' } });
    }
    if (faults.error_rate > 0 && sim.random() < faults.error_rate) return send(sim, reply, mchid, { status: 500, body: { code: 'SYSTEM_ERROR', message: '系统错误' } });
    try {
      const merchant = authenticate(sim, req);
      return send(sim, reply, merchant.mchid, handler({ merchant, req, body: parseJsonBody(sim, req) }));
    } catch (err) {
      if (err instanceof WxError) return send(sim, reply, mchid, { status: err.status, body: { code: err.code, message: err.message } });
      sim.log(`wechatpay-sim: ${req.method} ${req.url} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return send(sim, reply, mchid, { status: 500, body: { code: 'SYSTEM_ERROR', message: '系统错误' } });
    }
  };
}

export function registerApi(app: FastifyInstance, sim: SimContext, routes: Array<[method: 'GET' | 'POST', path: string, handler: Handler]>): void {
  for (const [method, path, handler] of routes) app.route({ method, url: path, handler: route(sim, handler) });
}
