import { DAY_MS, formatCst, parseCst } from '../format.js';
import { newQrToken } from '../ids.js';
import { bizFail, invalidParam, success, validOutTradeNo, type MethodContext, type MethodHandler } from './common.js';

/** Alipay's default lifetime of a face-to-face QR code. */
const DEFAULT_TIMEOUT_MS = 2 * 3600_000;
const MAX_TIMEOUT_MS = 15 * DAY_MS;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3600_000, d: DAY_MS };

function expiresAt(ctx: MethodContext, now: number): number {
  const timeExpire = ctx.biz.str('time_expire', { max: 32 });
  if (timeExpire !== undefined) {
    const at = parseCst(timeExpire);
    if (at === null) throw invalidParam(`time_expire 格式应为 yyyy-MM-dd HH:mm:ss (GMT+8)，收到 "${timeExpire}"`);
    if (at - now > MAX_TIMEOUT_MS) throw invalidParam('time_expire 不能晚于 15 天后');
    return at;
  }
  const express = ctx.biz.str('timeout_express', { max: 8 });
  if (express === undefined) return now + DEFAULT_TIMEOUT_MS;
  const m = /^([1-9]\d{0,4})([mhdc])$/.exec(express);
  if (!m) throw invalidParam(`timeout_express 取值范围 1m～15d，例如 90m、1h、1c，收到 "${express}"`);
  const n = Number(m[1]);
  if (m[2] === 'c') {
    // "1c" means "until the end of today" (GMT+8); other multiples are not accepted.
    if (n !== 1) throw invalidParam('timeout_express 的 c 单位只支持 1c');
    const today = formatCst(now).slice(0, 10);
    return (parseCst(`${today} 00:00:00`) as number) + DAY_MS;
  }
  const ms = n * (UNIT_MS[m[2] as string] as number);
  if (ms > MAX_TIMEOUT_MS) throw invalidParam('timeout_express 最长 15d');
  return now + ms;
}

export const precreate: MethodHandler = (ctx) => {
  const { biz, sim, app } = ctx;
  const outTradeNo = biz.required('out_trade_no', 64);
  if (!validOutTradeNo(outTradeNo)) throw invalidParam('out_trade_no 只能包含可见 ASCII 字符');
  const totalFen = biz.amount('total_amount', { required: true });
  const subject = biz.required('subject', 256);
  const body = biz.str('body', { max: 128 }) ?? null;
  const now = sim.now();
  const expiry = expiresAt(ctx, now);
  const qr = (token: string) => `${sim.publicBaseUrl()}/qr/${token}`;

  const existing = sim.store.getTradeByOutTradeNo(app.app_id, outTradeNo);
  if (existing) {
    // A retried precreate is fine (the connector retries on timeouts); a changed amount is not.
    if (existing.total_fen !== totalFen) throw bizFail('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改');
    const t = sim.trades.expireIfDue(existing);
    if (t.status === 'TRADE_SUCCESS') throw bizFail('ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
    if (t.status === 'TRADE_CLOSED' || t.status === 'CLOSED_UNSCANNED' || sim.trades.isExpired(t)) {
      throw bizFail('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
    }
    return success({ out_trade_no: outTradeNo, qr_code: qr(t.qr_token) });
  }

  const notifyUrl = ctx.params.notify_url;
  const trade = sim.store.insertTrade({
    app_id: app.app_id,
    out_trade_no: outTradeNo,
    qr_token: newQrToken(),
    trade_no: null,
    subject,
    body,
    total_fen: totalFen,
    status: 'UNSCANNED',
    notify_url: notifyUrl !== undefined && notifyUrl !== '' ? notifyUrl : null,
    charset: (ctx.params.charset ?? 'utf-8').toLowerCase(),
    buyer_id: null,
    buyer_logon_id: null,
    created_at: now,
    expires_at: expiry,
    scanned_at: null,
    paid_at: null,
    closed_at: null,
    refunded_fen: 0,
  });
  return success({ out_trade_no: outTradeNo, qr_code: qr(trade.qr_token) });
};
