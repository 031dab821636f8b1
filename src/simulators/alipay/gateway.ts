// POST|GET /gateway.do: the OpenAPI v2 entry point. Protocol-level problems (bad signature,
// unknown app, ...) are answered the way Alipay does: HTTP 200 with a signed error node.
// Only input that is not an Alipay request at all (duplicate keys, wrong charset) gets a 400.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SimContext } from './context.js';
import { canonicalString, REQUEST_SIGN_EXCLUDES, rsa2Verify, signedResponseBody } from './crypto.js';
import { HANG_MS } from '../common/faults.js';
import { parseCst } from './format.js';
import {
  AlipayError, Biz, bizFail, invalidArg, missingArg, unavailable, type ResponseNode,
} from './methods/common.js';
import { METHODS } from './methods/registry.js';
import type { AppRow } from './store.js';

export const GATEWAY_BODY_LIMIT = 256 * 1024;
const METHOD_RE = /^[a-z][a-z0-9]*(?:\.[a-z0-9_]+){1,10}$/;

/** Input that cannot be read as an Alipay request; becomes an HTTP 400. */
export class RequestFormatError extends Error {
  readonly statusCode = 400;
  readonly code = 'INVALID_REQUEST';
}

/** application/x-www-form-urlencoded → map; a repeated key is ambiguous for signing, so it is refused. */
export function parseForm(text: string, where: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(text)) {
    if (out.has(k)) throw new RequestFormatError(`parameter "${k}" appears more than once in the ${where}`);
    out.set(k, v);
  }
  return out;
}

/** alipay-sdk puts the common parameters in the query string and biz_content in the body: merge both. */
function collectParams(req: FastifyRequest): Record<string, string> {
  const url = req.raw.url ?? '';
  const qi = url.indexOf('?');
  const merged = qi >= 0 ? parseForm(url.slice(qi + 1), 'query string') : new Map<string, string>();
  const body: unknown = req.body;
  if (body !== undefined && body !== null && !(body instanceof Map)) {
    throw new RequestFormatError('gateway.do takes application/x-www-form-urlencoded parameters (charset utf-8)');
  }
  for (const [k, v] of (body as Map<string, string> | undefined | null) ?? []) {
    const inQuery = merged.get(k);
    if (inQuery !== undefined && inQuery !== v) {
      throw new RequestFormatError(`parameter "${k}" is in both the query string and the body, with different values`);
    }
    merged.set(k, v);
  }
  return Object.fromEntries(merged);
}

interface CommonParams {
  app_id: string;
  method: string;
  charset: string;
  sign_type: string;
  sign: string;
  timestamp: string;
  version: string;
}

const REQUIRED: ReadonlyArray<[param: keyof CommonParams, subCode: string, subMsg: string]> = [
  ['app_id', 'isv.missing-app-id', '缺少AppID参数'],
  ['method', 'isv.missing-method', '缺少方法名参数'],
  ['charset', 'isv.missing-charset', '缺少字符集参数'],
  ['sign_type', 'isv.missing-signature-type', '缺少签名类型参数'],
  ['sign', 'isv.missing-signature', '缺少签名参数'],
  ['timestamp', 'isv.missing-timestamp', '缺少时间戳参数'],
  ['version', 'isv.missing-version', '缺少版本参数'],
];

function requireCommon(params: Record<string, string>): CommonParams & Record<string, string> {
  for (const [param, subCode, subMsg] of REQUIRED) if (!params[param]) throw missingArg(subCode, subMsg);
  return params as CommonParams & Record<string, string>;
}

function authenticate(sim: SimContext, params: Record<string, string>): AppRow {
  const p = requireCommon(params);
  const app = sim.store.getApp(p.app_id);
  const publicKey = app ? sim.appPublicKey(app.app_id) : undefined;
  if (!app || !publicKey) throw invalidArg('isv.invalid-app-id', '无效的AppID参数（沙箱中未注册该 app_id，请先 POST /_apps）');
  if (!METHODS.has(p.method)) throw invalidArg('isv.invalid-method', `不存在的方法名: ${p.method}`);
  if (p.format !== undefined && p.format !== '' && p.format.toUpperCase() !== 'JSON') {
    throw invalidArg('isv.invalid-format', '无效的数据格式参数，仅支持 JSON');
  }
  if (!/^utf-?8$/i.test(p.charset)) throw invalidArg('isv.invalid-charset', `字符集错误: ${p.charset}，沙箱仅支持 utf-8`);
  if (p.sign_type !== 'RSA2') throw invalidArg('isv.invalid-signature-type', `无效的签名类型参数: ${p.sign_type}，沙箱仅支持 RSA2`);
  if (parseCst(p.timestamp) === null) {
    throw invalidArg('isv.invalid-timestamp', `非法的时间戳参数: "${p.timestamp}"，格式应为 yyyy-MM-dd HH:mm:ss`);
  }
  if (p.version !== '1.0') throw invalidArg('isv.invalid-version', `无效的版本参数: ${p.version}，应为 1.0`);
  checkCertMode(sim, app, p);
  if (p.notify_url) checkNotifyUrl(p.notify_url);
  const content = canonicalString(p, REQUEST_SIGN_EXCLUDES);
  if (!rsa2Verify(content, p.sign, publicKey)) {
    // Real Alipay echoes the string it verified (HTML-escaped), which is what makes this debuggable.
    throw invalidArg(
      'isv.invalid-signature',
      `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${content.replace(/&/g, '&amp;')}`,
    );
  }
  return app;
}

/** 公钥证书模式: the app's certificate and Alipay's root chain must be the ones the sandbox issued. */
function checkCertMode(sim: SimContext, app: AppRow, p: Record<string, string>): void {
  if (app.sign_mode !== 'certificate') {
    if (p.app_cert_sn || p.alipay_root_cert_sn) {
      throw invalidArg('isv.invalid-parameter', '该应用为公钥模式，请求不应携带 app_cert_sn / alipay_root_cert_sn（在沙箱中以 mode=certificate 注册应用以使用公钥证书模式）');
    }
    return;
  }
  if (!p.app_cert_sn) throw missingArg('isv.missing-app-cert-sn', '缺少应用公钥证书序列号 app_cert_sn');
  if (!p.alipay_root_cert_sn) throw missingArg('isv.missing-alipay-root-cert-sn', '缺少支付宝根证书序列号 alipay_root_cert_sn');
  if (p.app_cert_sn !== app.app_cert_sn) {
    throw invalidArg('isv.invalid-app-cert-sn', `应用公钥证书序列号不匹配: ${p.app_cert_sn}，该应用的证书序列号为 ${app.app_cert_sn ?? '?'}`);
  }
  if (p.alipay_root_cert_sn !== sim.ca.rootSn()) {
    throw invalidArg('isv.invalid-alipay-root-cert-sn', `支付宝根证书序列号不匹配: ${p.alipay_root_cert_sn}`);
  }
}

function checkNotifyUrl(value: string): void {
  let ok = value.length <= 256;
  try {
    const u = new URL(value);
    ok &&= u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok) throw invalidArg('isv.invalid-parameter', `notify_url 必须是不超过 256 字符的 http(s) 地址: ${value}`);
}

function parseBiz(text: string | undefined): Biz {
  if (text === undefined || text === '') return new Biz({});
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalidArg('isv.invalid-parameter', `biz_content 不是合法的 JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidArg('isv.invalid-parameter', 'biz_content 必须是 JSON 对象');
  }
  return new Biz(parsed as Record<string, unknown>);
}

async function answer(sim: SimContext, params: Record<string, string>): Promise<ResponseNode> {
  // Faults strike before anything is checked or changed, like an outage in front of Alipay.
  const faults = sim.faults();
  if (faults.latency_ms > 0) await sim.sleep(faults.latency_ms);
  if (faults.timeout_rate > 0 && sim.random() < faults.timeout_rate) {
    await sim.sleep(HANG_MS);
    return unavailable().node();
  }
  if (faults.error_rate > 0 && sim.random() < faults.error_rate) return unavailable().node();
  try {
    const app = authenticate(sim, params);
    const handler = METHODS.get(params.method as string);
    if (!handler) throw invalidArg('isv.invalid-method', '不存在的方法名');
    return handler({ sim, app, params, biz: parseBiz(params.biz_content) });
  } catch (err) {
    if (err instanceof AlipayError) return err.node();
    sim.log(`alipay-sim: ${params.method ?? '?'} failed: ${err instanceof Error ? err.stack : String(err)}`);
    return bizFail('ACQ.SYSTEM_ERROR', '系统错误').node();
  }
}

export function registerGateway(app: FastifyInstance, sim: SimContext): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const params = collectParams(req);
    const method = params.method ?? '';
    const responseKey = METHOD_RE.test(method) ? `${method.replace(/\./g, '_')}_response` : 'error_response';
    const node = await answer(sim, params);
    // A certificate-mode app gets alipay_cert_sn and its certificate's signature on every
    // answer, errors included; an unknown app_id is answered in public-key mode.
    const signer = sim.signerFor(params.app_id === undefined ? undefined : sim.store.getApp(params.app_id));
    return reply.type('application/json;charset=utf-8').send(signedResponseBody(responseKey, node, signer));
  };
  app.post('/gateway.do', { bodyLimit: GATEWAY_BODY_LIMIT }, handler);
  app.get('/gateway.do', handler);
}
