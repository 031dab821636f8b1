/**
 * TRADE_SUCCESS notifications signed here, exactly as Alipay does, independently of the
 * connector's own code: form-urlencoded fields, signature over the ASCII-sorted "k=v&" of
 * every non-empty field except sign and sign_type, RSA-SHA256 with Alipay's private key.
 * The key is the in-process simulator's, read from its key file, so the gateway's sandbox
 * account (configured with the simulator's public key) accepts these as genuine.
 */
import { createPrivateKey, randomInt, sign, type KeyObject } from 'node:crypto';
import { credential, rawAccount, type BenchGateway } from './gateway.js';
import { readSimulatorKeyFile, type Signer } from './notify-common.js';

/** See src/simulators/alipay/keys.ts: <simulator dataDir>/alipay-keys.json; runtime.ts puts it under <data>/sandbox. */
export function loadSimulatorAlipayKey(paygateDataDir: string): KeyObject {
  return createPrivateKey(readSimulatorKeyFile(paygateDataDir, 'alipay-keys.json', ['alipay_private_key']).alipay_private_key);
}

/** "YYYY-MM-DD HH:mm:ss" in China Standard Time (UTC+8, no DST), Alipay's timestamp format. */
function cst(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

function yuan(minor: number): string {
  return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}

function digits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(randomInt(10));
  return s;
}

export function signAlipayFields(fields: Record<string, string>, key: KeyObject): string {
  const content = Object.keys(fields)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && fields[k] !== '')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
  return sign('sha256', Buffer.from(content, 'utf8'), key).toString('base64');
}

export interface TradeSuccess {
  appId: string;
  /** The attempt's provider_reference (Paygate's out_trade_no). */
  outTradeNo: string;
  amountMinor: number;
  now: number;
}

/** A complete, signed application/x-www-form-urlencoded notification body. */
export function tradeSuccessBody(t: TradeSuccess, key: KeyObject): string {
  const day = cst(t.now).slice(0, 10).replace(/-/g, '');
  const amount = yuan(t.amountMinor);
  const fields: Record<string, string> = {
    notify_time: cst(t.now),
    notify_type: 'trade_status_sync',
    notify_id: `${day}${digits(24)}`,
    app_id: t.appId,
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    trade_no: `${day}2200${digits(16)}`,
    out_trade_no: t.outTradeNo,
    buyer_id: `2088${digits(12)}`,
    seller_id: `2088${digits(12)}`,
    trade_status: 'TRADE_SUCCESS',
    total_amount: amount,
    receipt_amount: amount,
    buyer_pay_amount: amount,
    gmt_create: cst(t.now - 30_000),
    gmt_payment: cst(t.now - 1_000),
  };
  fields.sign = signAlipayFields(fields, key);
  return new URLSearchParams(fields).toString();
}

/** Signs one TRADE_SUCCESS per target with the simulator's key, for the merchant's Alipay app. */
export async function alipaySigner(gw: BenchGateway): Promise<Signer> {
  const appId = credential((await rawAccount(gw, 'alipay')).credentials, 'app_id');
  const key = loadSimulatorAlipayKey(gw.dataDir);
  const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  return (targets) => {
    const now = Date.now();
    return targets.map((t) => ({ body: tradeSuccessBody({ appId, outTradeNo: t.reference, amountMinor: t.amount, now }, key), headers }));
  };
}
