/**
 * Signed APIv3 requests. The nonce is derived from what is signed plus ctx.now instead of
 * drawn at random, so that build() stays pure and reproducible (the port passes `now`; tests
 * can pin both). Uniqueness holds because ctx.now and the request content differ between
 * distinct requests, and a 256-bit hash makes collisions out of the question.
 */
import { createHash } from 'node:crypto';
import type { Connector, ConnectorContext, WireRequest } from '../types.js';
import type { WechatpayCredentials } from './credentials.js';
import { authorizationHeader, requestMessage, signMessage } from './sign.js';

export type WechatpayContext = ConnectorContext<WechatpayCredentials>;
/** The port this connector implements; each operation module declares its members against it. */
export type WechatpayPort = Connector<WechatpayCredentials>;

const USER_AGENT = 'paygate-wechatpay/0.1';

export function deriveNonce(credentials: WechatpayCredentials, method: string, pathWithQuery: string, body: string, now: Date): string {
  return createHash('sha256')
    .update(`${credentials.mchid}\n${method}\n${pathWithQuery}\n${body}\n${now.toISOString()}`)
    .digest('hex')
    .slice(0, 32)
    .toUpperCase();
}

/**
 * `pathWithQuery` is WeChat's own path ("/v3/..."); the base URL's path (a simulator prefix)
 * is part of what we sign, because WeChat signs the request line's full path as received.
 */
export function apiRequest(ctx: WechatpayContext, method: 'GET' | 'POST', pathWithQuery: string, payload?: Record<string, unknown>): WireRequest {
  return signedRequest(ctx, method, `${ctx.baseUrl.replace(/\/+$/, '')}${pathWithQuery}`, payload);
}

/** A signed request to an absolute URL (bill download_url comes back absolute). */
export function signedRequest(ctx: WechatpayContext, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>): WireRequest {
  const parsed = new URL(url);
  const signedPath = `${parsed.pathname}${parsed.search}`;
  // Serialised once: the bytes sent are exactly the bytes signed.
  const body = payload === undefined ? '' : JSON.stringify(payload);
  const timestamp = String(Math.floor(ctx.now.getTime() / 1000));
  const nonce = deriveNonce(ctx.credentials, method, signedPath, body, ctx.now);
  const signature = signMessage(requestMessage(method, signedPath, timestamp, nonce, body), ctx.credentials.privateKey);
  const headers: Record<string, string> = {
    Authorization: authorizationHeader({ mchid: ctx.credentials.mchid, nonce, signature, timestamp, serialNo: ctx.credentials.merchantSerialNo }),
    Accept: 'application/json',
    'User-Agent': USER_AGENT,
  };
  if (payload === undefined) return { method, url, headers };
  headers['Content-Type'] = 'application/json';
  return { method, url, headers, body };
}

/** Path segments (out_trade_no, out_refund_no) are restricted by WeChat, but encode anyway. */
export const seg = (value: string): string => encodeURIComponent(value);
