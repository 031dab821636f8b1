/**
 * Common request parameters and the signed form body for the v2 gateway.
 */
import type { Connector, ConnectorContext, WireRequest } from '../types.js';
import type { AlipayCredentials } from './credentials.js';
import { canonicalString, signRsa2, type ParamMap } from './sign.js';
import { chinaDateTime } from './time.js';

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded;charset=utf-8';

export type AlipayContext = ConnectorContext<AlipayCredentials>;
/** The port this connector implements; each operation module declares its members against it. */
export type AlipayPort = Connector<AlipayCredentials>;

export interface GatewayOptions {
  /** Only calls that start an asynchronous flow (precreate) carry notify_url. */
  notifyUrl?: string;
}

function compact(biz: ParamMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(biz)) {
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

/**
 * All parameters of one gateway call including `sign`. Empty values are left out of the
 * body as well as the string to sign, so that what is sent is exactly what was signed.
 */
export function signedParams(ctx: AlipayContext, method: string, biz: ParamMap, opts: GatewayOptions = {}): Record<string, string> {
  const params: Record<string, string> = {
    app_id: ctx.credentials.appId,
    method,
    format: 'JSON',
    charset: 'utf-8',
    sign_type: 'RSA2',
    timestamp: chinaDateTime(ctx.now),
    version: '1.0',
    biz_content: JSON.stringify(compact(biz)),
  };
  // Certificate mode: Alipay picks the app's key by app_cert_sn and checks that we trust its
  // root; both are common parameters, so they are signed like the rest.
  if (ctx.credentials.mode === 'certificate') {
    params.app_cert_sn = ctx.credentials.cert.appCertSn;
    params.alipay_root_cert_sn = ctx.credentials.cert.rootCertSn;
  }
  // notify_url goes out exactly as configured: Alipay signs its notification for that URL and
  // extra query parameters are a known cause of notification signature failures.
  if (opts.notifyUrl !== undefined && opts.notifyUrl !== '') params.notify_url = opts.notifyUrl;
  const sign = signRsa2(canonicalString(params, { exclude: ['sign'] }), ctx.credentials.privateKey);
  return { ...params, sign };
}

export function gatewayRequest(ctx: AlipayContext, method: string, biz: ParamMap, opts: GatewayOptions = {}): WireRequest {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(signedParams(ctx, method, biz, opts))) form.append(key, value);
  return {
    method: 'POST',
    url: `${ctx.baseUrl.replace(/\/+$/, '')}/gateway.do`,
    headers: { 'Content-Type': FORM_CONTENT_TYPE },
    body: form.toString(),
  };
}
